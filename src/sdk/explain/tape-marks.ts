// What the faster gradients (fast-grads.ts) learn from the recorded forward pass, read off the
// engine's tape before the backward pass starts (tfjs-core 4.x internals, as in gradients.ts).
// tfjs hands each gradFunc the tape node's own list of saved tensors, so that list identifies
// the node later; the saved tensors themselves are fresh copies on wasm and match nothing.
import * as tf from '@tensorflow/tfjs-core';

interface TapeNode { kernelName: string; inputs: Record<string, tf.Tensor>; outputs: tf.Tensor[]; saved?: tf.Tensor[] }

/** Nodes whose input gradient is only used summed over the batch (see batchSummed). */
export const summedNodes = new WeakSet<object>();
/** MaxPool node → the Relu node whose output only that MaxPool reads. */
export const reluUnderPool = new WeakMap<object, object>();
/** Relu nodes whose incoming gradient is already zero wherever their output is 0 (set by the MaxPool gradient). */
export const foldedRelu = new WeakSet<object>();

const SUMMED_INPUT: Record<string, string> = { Conv2D: 'x', BatchMatMul: 'a' };

/**
 * Call inside the differentiated function, after the forward pass, when only the gradient
 * w.r.t. `z` summed over axis 0 will be used. Marks the ops that read `z` itself, and every
 * Relu → MaxPool pair where the MaxPool is the Relu output's only reader.
 */
export function markTape(z: tf.Tensor): void {
  const tape = (tf.engine() as unknown as { state: { activeTape: TapeNode[] | null } }).state.activeTape;
  if (!tape) return;
  // The copies tfjs saves for the backward pass are on the tape too (as clone nodes): not readers.
  const copies = new Set<number>();
  for (const node of tape) for (const t of node.saved ?? []) copies.add(t.id);
  const readers = new Map<number, number>();
  for (const node of tape) {
    if (node.outputs.some((t) => copies.has(t.id))) continue;
    for (const t of Object.values(node.inputs)) if (t) readers.set(t.id, (readers.get(t.id) ?? 0) + 1);
  }
  const reluOutputs = new Map<number, object>();
  for (const node of tape) {
    if (!node.saved) continue;
    const input = SUMMED_INPUT[node.kernelName];
    if (input && node.inputs[input] === z) summedNodes.add(node.saved);
    const out = node.outputs[0];
    if (node.kernelName === 'Relu' && out && readers.get(out.id) === 1) reluOutputs.set(out.id, node.saved);
    const relu = node.kernelName === 'MaxPool' && node.inputs.x ? reluOutputs.get(node.inputs.x.id) : undefined;
    if (relu) reluUnderPool.set(node.saved, relu);
  }
}
