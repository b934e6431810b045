// Small real tfjs models for the explain tests (built in code so the known answers are known).
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';

/** y = w·x + b, one linear output. */
export function linearModel(w: number[], b = 0): tfl.LayersModel {
  const m = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [w.length], units: 1, activation: 'linear' })] });
  m.setWeights([tf.tensor2d(w, [w.length, 1]), tf.tensor1d([b])]);
  return m;
}

/** A nonlinear tabular classifier with seeded weights. */
export function tabularMlp(features: number, classes = 3, seed = 7): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [features], units: 16, activation: 'tanh', kernelInitializer: tfl.initializers.glorotNormal({ seed }) }),
      tfl.layers.dense({ units: classes, activation: 'softmax', kernelInitializer: tfl.initializers.glorotNormal({ seed: seed + 1 }) }),
    ],
  });
}

/** The digits architecture in miniature (or full size): conv → relu → pool → dense → softmax. */
export function smallCnn(size = 8, channels = 1, classes = 3, seed = 3): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [size, size, channels], filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: tfl.initializers.glorotNormal({ seed }) }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: classes, activation: 'softmax', kernelInitializer: tfl.initializers.glorotNormal({ seed: seed + 1 }) }),
    ],
  });
}

/** The digits architecture (models/train-digits.ts) with fewer filters: 'same' 5×5 convs, 2×2 pools. */
export function digitsLike(seed = 11, filters = 4): tfl.LayersModel {
  const init = (k: number) => tfl.initializers.glorotUniform({ seed: seed + k });
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [28, 28, 1], filters, kernelSize: 5, padding: 'same', activation: 'relu', kernelInitializer: init(1) }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: filters * 2, kernelSize: 5, padding: 'same', activation: 'relu', kernelInitializer: init(2) }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(3) }),
    ],
  });
}

const f32 = { type: 'DT_FLOAT' };
const i32 = { type: 'DT_INT32' };
const dims = (...d: number[]) => ({ dim: d.map((size) => ({ size: String(size) })) });

/**
 * A converter GraphModel: softmax(x·W + b). With `noGradient`, the probabilities pass
 * through `Cumprod` over a size-1 axis (an identity, but an op tfjs has no gradient for).
 */
export async function graphLinear(W: number[][], b: number[], { noGradient = false } = {}): Promise<GraphModel> {
  const [n, k] = [W.length, W[0].length];
  const node: object[] = [
    { name: 'x', op: 'Placeholder', attr: { dtype: f32, shape: { shape: dims(-1, n) } } },
    { name: 'W', op: 'Const', attr: { dtype: f32, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: dims(n, k) } } } },
    { name: 'b', op: 'Const', attr: { dtype: f32, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: dims(k) } } } },
    { name: 'mm', op: 'MatMul', input: ['x', 'W'], attr: { T: f32, transpose_a: { b: false }, transpose_b: { b: false } } },
    { name: 'logits', op: 'AddV2', input: ['mm', 'b'], attr: { T: f32 } },
    { name: 'probs', op: 'Softmax', input: ['logits'], attr: { T: f32 } },
  ];
  const weightSpecs: tf.io.WeightsManifestEntry[] = [
    { name: 'W', shape: [n, k], dtype: 'float32' },
    { name: 'b', shape: [k], dtype: 'float32' },
  ];
  const floats = new Float32Array([...W.flat(), ...b]);
  let weightData: ArrayBuffer = floats.buffer;
  if (noGradient) {
    node.push(
      { name: 'axis', op: 'Const', attr: { dtype: i32, value: { tensor: { dtype: 'DT_INT32', tensorShape: dims() } } } },
      { name: 'expanded', op: 'ExpandDims', input: ['probs', 'axis'], attr: { T: f32 } },
      { name: 'out', op: 'Cumprod', input: ['expanded', 'axis'], attr: { T: f32, exclusive: { b: false }, reverse: { b: false } } },
    );
    weightSpecs.push({ name: 'axis', shape: [], dtype: 'int32' });
    const buf = new Uint8Array(floats.byteLength + 4);
    buf.set(new Uint8Array(floats.buffer), 0);
    new DataView(buf.buffer).setInt32(floats.byteLength, 2, true);
    weightData = buf.buffer;
  }
  const modelTopology = { node, versions: { producer: 1 } };
  return loadGraphModel(tf.io.fromMemory({ modelTopology, weightSpecs, weightData, format: 'graph-model' }));
}
