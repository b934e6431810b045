// tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter kernel, so a conv layer cannot
// train on it ("Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'"),
// and the cpu backend is about 10x slower on this machine. The wasm backend does ship
// Conv3DBackpropFilterV2 (native code): a 2D conv is a 3D conv with depth 1, so this
// registers the 2D kernel as reshape -> 3D kernel -> reshape. Training scripts only.
import * as tf from '@tensorflow/tfjs-core';

type Info = { dataId: object; shape: number[]; dtype: string };

export function registerWasmConv2dBackpropFilter(): void {
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm')) return;
  const reshape = tf.getKernel('Reshape', 'wasm');
  const conv3d = tf.getKernel('Conv3DBackpropFilterV2', 'wasm');
  if (!reshape || !conv3d) throw new Error('wasm backend lacks Reshape or Conv3DBackpropFilterV2');
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as unknown as { x: Info; dy: Info };
      const { strides, pad, filterShape, dataFormat } = attrs as unknown as {
        strides: number | [number, number]; pad: 'same' | 'valid' | number; filterShape: number[]; dataFormat?: string;
      };
      if (dataFormat && dataFormat !== 'NHWC') throw new Error('Conv2DBackpropFilter shim supports NHWC only');
      if (typeof pad !== 'string') throw new Error('Conv2DBackpropFilter shim supports "same"/"valid" padding only');
      const [sh, sw] = typeof strides === 'number' ? [strides, strides] : strides;
      const run = (k: typeof reshape, ins: object, at: object) =>
        k.kernelFunc({ inputs: ins as never, backend, attrs: at as never }) as unknown as Info;
      const x5 = run(reshape, { x }, { shape: [x.shape[0], 1, ...x.shape.slice(1)] });
      const dy5 = run(reshape, { x: dy }, { shape: [dy.shape[0], 1, ...dy.shape.slice(1)] });
      const dw5 = run(conv3d, { x: x5, dy: dy5 }, { strides: [1, sh, sw], pad, filterShape: [1, ...filterShape] });
      const dw = run(reshape, { x: dw5 }, { shape: filterShape });
      for (const t of [x5, dy5, dw5]) (backend as unknown as { disposeData(id: object): void }).disposeData(t.dataId);
      return dw as never;
    },
  });
}
