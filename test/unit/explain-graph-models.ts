// Converter GraphModels built in code, without importing tfjs-layers (which registers every
// gradient as a side effect): the explain code must work with tfjs-core + converter alone.
import * as tf from '@tensorflow/tfjs-core';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';

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
