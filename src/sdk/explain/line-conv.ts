// The forward half of the first layer, on wasm. The interpolation points of integrated
// gradients lie on a line, b + α_n·d, and a convolution is linear (zero padding included), so
// conv(b + α_n·d) = conv(b) + α_n·conv(d): two convolutions at batch 1 and one [n, 2] × [2, rest]
// product instead of a convolution at batch n. The points' first convolution is the costliest
// forward kernel of the digits CNN (1 input channel: XNNPACK vectorises poorly). Equal up to
// float rounding (~1e-7 relative).
// Kernels are looked up in the registry per call, so the Conv2D kernel is wrapped only around
// one synchronous forward+backward call; any other convolution goes to the original kernel.
import * as tf from '@tensorflow/tfjs-core';

interface Backend { disposeData(dataId: object, force?: boolean): boolean }

/**
 * Runs `f` with convolutions of `points` ([n, ...]) computed from `line` ([2, ...]: b, d) and
 * `coeffs` ([n, 2]: rows 1, α_n) on wasm; anywhere else just runs `f`.
 */
export function withLineConv<T>(points: tf.Tensor, line: tf.Tensor, coeffs: tf.Tensor, f: () => T): T {
  const conv = tf.getBackend() === 'wasm' ? tf.getKernel('Conv2D', 'wasm') : undefined;
  const matmul = tf.getKernel('BatchMatMul', 'wasm');
  if (!conv || !matmul) return f();
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
  tf.unregisterKernel('Conv2D', 'wasm');
  tf.registerKernel({ ...conv, kernelFunc });
  try {
    return f();
  } finally {
    tf.unregisterKernel('Conv2D', 'wasm');
    tf.registerKernel(conv);
  }
}
