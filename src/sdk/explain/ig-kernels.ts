// Two kernels swapped in on wasm around integrated gradients' one synchronous forward+backward
// call (kernels are looked up in the registry per call; the originals are put back before
// anything else can run).
//
// Conv2D of the interpolation points: the points of integrated
// gradients lie on a line, b + α_n·d, and a convolution is linear (zero padding included), so
// conv(b + α_n·d) = conv(b) + α_n·conv(d): two convolutions at batch 1 and one [n, 2] × [2, rest]
// product instead of a convolution at batch n. The points' first convolution is the costliest
// forward kernel of the digits CNN (1 input channel: XNNPACK vectorises poorly). Equal up to
// float rounding (~1e-7 relative). Any other convolution goes to the original kernel.
//
// Identity: tfjs saves a copy (engine.clone → Identity) of every tensor a gradient needs, and
// wasm's Identity copies the data (~0.4 ms of copies per 32-step pass on the digits CNN). Under
// the tape nothing writes into a tensor's memory, so the copy shares it and counts a reference,
// exactly as wasm's own Reshape kernel does.
import * as tf from '@tensorflow/tfjs-core';

interface Backend { disposeData(dataId: object, force?: boolean): boolean; incRef(dataId: object): void }

const sharedIdentity: tf.KernelFunc = ({ inputs, backend }) => {
  const { x } = inputs as { x: tf.TensorInfo };
  (backend as unknown as Backend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

/**
 * Runs `f` on wasm with convolutions of `points` ([n, ...]) computed from `line` ([2, ...]: b, d)
 * and `coeffs` ([n, 2]: rows 1, α_n), and sharing saved copies; anywhere else just runs `f`.
 */
export function withIgKernels<T>(points: tf.Tensor, line: tf.Tensor, coeffs: tf.Tensor, f: () => T): T {
  const kernel = (name: string) => (tf.getBackend() === 'wasm' ? tf.getKernel(name, 'wasm') : undefined);
  const [conv, matmul, identity] = [kernel('Conv2D'), kernel('BatchMatMul'), kernel('Identity')];
  if (!conv || !matmul || !identity) return f();
  const n = points.shape[0]!;
  const kernelFunc: tf.KernelFunc = (args) => {
    const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    if (x.dataId !== points.dataId) return conv.kernelFunc(args);
    const backend = args.backend as unknown as Backend;
    const ends = conv.kernelFunc({ ...args, inputs: { x: line, filter } }) as tf.TensorInfo;
    const rest = ends.shape.slice(1);
    const size = rest.reduce((a, b) => a * b, 1);
    try {
      const out = matmul.kernelFunc({
        backend: args.backend,
        attrs: { transposeA: false, transposeB: false },
        inputs: { a: { dataId: coeffs.dataId, shape: [1, n, 2], dtype: 'float32' }, b: { dataId: ends.dataId, shape: [1, 2, size], dtype: 'float32' } },
      }) as tf.TensorInfo;
      return { dataId: out.dataId, shape: [n, ...rest], dtype: 'float32' };
    } finally {
      backend.disposeData(ends.dataId, true);
    }
  };
  const swap = (original: tf.KernelConfig, func?: tf.KernelFunc) => {
    tf.unregisterKernel(original.kernelName, 'wasm');
    tf.registerKernel(func ? { ...original, kernelFunc: func } : original);
  };
  swap(conv, kernelFunc);
  swap(identity, sharedIdentity);
  try {
    return f();
  } finally {
    swap(conv);
    swap(identity);
  }
}
