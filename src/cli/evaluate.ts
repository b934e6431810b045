// Accuracy of a model on a labelled file (for `quantize --eval`).
import { argmaxRows, loadModel } from './load-model.js';
import type { NodeBackend } from './tf-node.js';
import { readExamples } from './read-examples.js';

export interface Evaluation {
  accuracy: number;
  n: number;
  correct: number;
  outputs: Float32Array;
  /** Largest absolute difference between this model's outputs and another evaluation's. */
  maxAbsDiff(other: Evaluation): number;
}

export async function evaluateModel(modelJson: string, file: string, { backend = 'wasm' as NodeBackend } = {}): Promise<Evaluation> {
  const model = await loadModel(modelJson, { backend });
  try {
    const size = model.inputShape.reduce((a, b) => a * Math.max(1, b), 1);
    const ex = await readExamples(file, { size, features: model.meta.kind === 'tabular' ? model.meta.features : undefined });
    const names = ex.labelNames ?? model.meta.labels ?? Array.from({ length: model.outputShape.at(-1) ?? 0 }, (_, i) => String(i));
    // Unlabelled samples still measure the output difference; accuracy is NaN then.
    const labelled = ex.labels.every((l) => l !== undefined);
    const outputs = await model.predict(ex.values, ex.n);
    const pred = argmaxRows(outputs, ex.n);
    let correct = 0;
    for (let i = 0; i < ex.n; i++) if (names[pred[i]!] === ex.labels[i]) correct++;
    return {
      accuracy: labelled ? correct / ex.n : Number.NaN,
      n: ex.n,
      correct,
      outputs,
      maxAbsDiff(other) {
        let m = 0;
        for (let i = 0; i < outputs.length; i++) m = Math.max(m, Math.abs(outputs[i]! - other.outputs[i]!));
        return m;
      },
    };
  } finally {
    model.dispose();
  }
}
