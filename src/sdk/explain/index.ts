// model.explain(): integrated gradients for differentiable models, KernelSHAP for any
// model. Loaded lazily by the SDK (`import()`), so the core bundle does not carry it.
import * as tf from '@tensorflow/tfjs-core';
import { InferScopeError } from '../errors.js';
import { meanRow, toBackground, type Background } from './background.js';
import { ensureGradients, missingGradients } from './gradients.js';
import { endpoints, integratedGradients, type RawAttribution } from './integrated-gradients.js';
import { kernelShap, patchGroups } from './kernel-shap.js';
import { argMax, checkClass, forward, inferKind, prepareInput } from './model-fn.js';
import { present } from './present.js';
import type { ExplainableModel, ExplainMethod, ExplainOptions, Explanation, InputKind } from './types.js';

export type * from './types.js';
export { backgroundFromBaseline, binMidpoints, BASELINE_ROWS } from './background.js';
export { defaultSamples } from './coalitions.js';
export { DEFAULT_STEPS } from './integrated-gradients.js';
export { exactShapley } from './exact-shapley.js';
export { toBackground } from './background.js';

/**
 * Attributions of one prediction to its input elements.
 * @example
 * const e = await explain(layersModel, tf.tensor(pixels, [28, 28, 1]));
 * drawHeatmap(e.saliency);            // image: H×W in [0, 1]
 * const t = await explain(tabularModel, row, { features: names, background: manifestVersion.baseline });
 * t.features;                          // [{ name, value, input }]
 */
export async function explain(model: ExplainableModel, input: tf.Tensor | ArrayLike<number>, options: ExplainOptions = {}): Promise<Explanation> {
  const { method = 'auto', labels, features, seed = 1 } = options;
  if (!['auto', 'integrated-gradients', 'kernel-shap'].includes(method)) {
    throw new InferScopeError('INPUT_INVALID', `explain: unknown method "${method}"; use 'integrated-gradients', 'kernel-shap' or 'auto'`);
  }
  const x = prepareInput(model, input);
  try {
    const kind = inferKind(x, options.kind);
    const exampleShape = x.shape.slice(1);
    const size = x.size;
    if (features && features.length !== size) {
      throw new InferScopeError('INPUT_INVALID', `explain: ${features.length} feature names for ${size} input elements`);
    }
    const background = toBackground(options.background, options.backgroundWeights, size, seed);

    let used: ExplainMethod = method === 'kernel-shap' ? 'kernel-shap' : 'integrated-gradients';
    if (used === 'integrated-gradients') {
      await ensureGradients();
      const missing = missingGradients(model, x);
      if (missing.length && method === 'auto') used = 'kernel-shap';
      else if (missing.length) {
        throw new InferScopeError('INPUT_INVALID', `explain: integrated gradients needs gradients, but this model runs ${missing.join(', ')} which tfjs cannot differentiate; use method 'kernel-shap' (or 'auto')`);
      }
    }
    let classIndex: number;
    let raw: RawAttribution;
    if (used === 'integrated-gradients') {
      // One batch-2 pass gives the explained class and both endpoint scores.
      const baseline = igBaseline(x, kind, background, options);
      try {
        const ends = endpoints(model, x, baseline);
        const outputs = ends.shape[1];
        const out = (await ends.data()) as Float32Array;
        ends.dispose();
        classIndex = options.classIndex ?? argMax(out.subarray(0, outputs));
        checkClass(classIndex, outputs);
        const attributions = await integratedGradients(model, x, baseline, classIndex, { steps: options.steps, batchSize: options.batchSize });
        raw = { attributions, score: out[classIndex]!, baseScore: out[outputs + classIndex]! };
      } finally {
        baseline.dispose();
      }
    } else {
      const probs = tf.tidy(() => forward(model, x));
      const outputs = probs.shape[1];
      const first = (await probs.data()) as Float32Array;
      probs.dispose();
      classIndex = options.classIndex ?? argMax(first);
      checkClass(classIndex, outputs);
      raw = await runShap(model, x, kind, exampleShape, background, classIndex, options);
    }
    let sum = 0;
    for (const a of raw.attributions) sum += a;
    const inputData = Float32Array.from(await x.data());
    return {
      method: used,
      classIndex,
      ...(labels?.[classIndex] !== undefined ? { label: labels[classIndex] } : {}),
      score: raw.score,
      baseScore: raw.baseScore,
      attributions: raw.attributions,
      delta: raw.score - raw.baseScore - sum,
      ...present(kind, exampleShape, raw.attributions, inputData, features),
    };
  } finally {
    x.dispose();
  }
}

/** The integrated-gradients reference input, [1, ...shape]; the caller owns it. */
function igBaseline(x: tf.Tensor, kind: InputKind, bg: Background | undefined, o: ExplainOptions): tf.Tensor {
  return tf.tidy(() => {
    if (o.baseline instanceof tf.Tensor) return tf.reshape(tf.cast(o.baseline, 'float32'), x.shape);
    if (typeof o.baseline === 'number') return tf.fill(x.shape, o.baseline);
    if (o.baseline) {
      if (o.baseline.length !== x.size) throw new InferScopeError('INPUT_INVALID', `explain: baseline has ${o.baseline.length} values; the input has ${x.size}`);
      return tf.tensor(Array.from(o.baseline), x.shape, 'float32');
    }
    // Tabular: the average row of the background is the neutral reference; images: black.
    if (kind === 'tabular' && bg) return tf.tensor(meanRow(bg), x.shape);
    return tf.zerosLike(x);
  });
}

async function runShap(model: ExplainableModel, x: tf.Tensor, kind: InputKind, shape: number[], bg: Background | undefined, classIndex: number, o: ExplainOptions) {
  let background = bg;
  let groups: Int32Array | undefined;
  if (kind === 'image' && shape.length >= 2) {
    const [h, w, c = 1] = shape;
    const patch = o.patch ?? Math.max(1, Math.round(Math.min(h, w) / 7));
    if (!Number.isInteger(patch) || patch < 1) throw new InferScopeError('INPUT_INVALID', `explain: patch must be a positive integer, got ${patch}`);
    groups = patchGroups(h, w, c, patch);
    // A black image is the absence of every patch.
    background ??= { rows: [new Float32Array(x.size)], weights: Float64Array.of(1) };
  }
  if (!background) {
    throw new InferScopeError('INPUT_INVALID', 'explain: KernelSHAP needs background data; pass options.background (rows or the manifest baseline) or load the model from a manifest whose version has a baseline');
  }
  return kernelShap(model, x, background, classIndex, { samples: o.samples, seed: o.seed, groups });
}
