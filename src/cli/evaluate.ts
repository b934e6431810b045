// Accuracy of a model on a labelled file (for `quantize --eval`).
import { InferScopeError } from '../sdk/errors.js';
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
    const missing = ex.labels.findIndex((l) => l === undefined);
    if (missing >= 0) throw new InferScopeError('INPUT_INVALID', `${file}: example ${missing} has no label; --eval needs a label on every example`);
    const outputs = await model.predict(ex.values, ex.n);
    const pred = argmaxRows(outputs, ex.n);
    let correct = 0;
    for (let i = 0; i < ex.n; i++) if (names[pred[i]!] === ex.labels[i]) correct++;
    return {
      accuracy: correct / ex.n,
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
