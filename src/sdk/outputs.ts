// Model outputs become plain data: Float32Array + shape per output, top-k with labels.
import type * as tf from '@tensorflow/tfjs-core';

/** `name`: the signature key where the model has one; `node`: the graph node name when it differs. */
export interface OutputData { name: string; data: Float32Array; shape: number[]; node?: string }
export interface TopEntry { label: string; score: number; index: number }

/** Read and dispose output tensors. */
export async function readOutputs(tensors: tf.Tensor[], infos: { name: string; node?: string }[]): Promise<OutputData[]> {
  try {
    const values = tensors.length === 1 ? [await tensors[0]!.data()] : await Promise.all(tensors.map((t) => t.data()));
    return tensors.map((t, i) => {
      const v = values[i]!;
      const o: OutputData = { name: infos[i]?.name ?? `output_${i}`, data: v instanceof Float32Array ? v : Float32Array.from(v as ArrayLike<number>), shape: t.shape.slice() };
      if (infos[i]?.node) o.node = infos[i]!.node;
      return o;
    });
  } finally {
    for (const t of tensors) t.dispose();
  }
}

/** Indices of the k largest values in data[from, from+n). */
function topIndices(data: Float32Array, from: number, n: number, k: number): number[] {
  const best: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = data[from + i]!;
    if (best.length === k && v <= data[from + best[k - 1]!]!) continue;
    let at = best.length === k ? k - 1 : best.length;
    best[at] = i;
    while (at > 0 && data[from + best[at - 1]!]! < v) { best[at] = best[at - 1]!; best[at - 1] = i; at--; }
  }
  return best;
}

/**
 * Per example, the top-`k` classes of a [batch, classes] output. Labels come from the output
 * spec; without labels the index is the label.
 */
export function topK(out: OutputData, k: number, labels?: string[]): TopEntry[][] {
  const classes = out.shape[out.shape.length - 1] ?? 1;
  const examples = out.data.length / classes;
  const result: TopEntry[][] = [];
  for (let e = 0; e < examples; e++) {
    if (k === 1) { // a batch's top class per example: one pass, no index list
      let index = 0;
      for (let i = 1; i < classes; i++) if (out.data[e * classes + i]! > out.data[e * classes + index]!) index = i;
      result.push([{ index, label: labels?.[index] ?? String(index), score: out.data[e * classes + index]! }]);
      continue;
    }
    result.push(topIndices(out.data, e * classes, classes, Math.min(k, classes)).map((index) => ({
      index, label: labels?.[index] ?? String(index), score: out.data[e * classes + index]!,
    })));
  }
  return result;
}
