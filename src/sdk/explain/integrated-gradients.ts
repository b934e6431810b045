// Integrated gradients (Sundararajan et al. 2017): attribution_i = (x_i − x'_i) ·
// mean over α of ∂f_c/∂x_i at x' + α(x − x'). Midpoint Riemann sum, whose error falls as
// 1/steps²; the interpolation points go through the model in batches of `batchSize`
// (one forward + one backward pass per batch, never one call per step).
import * as tf from '@tensorflow/tfjs-core';
import { InferScopeError } from '../errors.js';
import { withFastGradients } from './fast-grads.js';
import { forward } from './model-fn.js';
import type { ExplainableModel } from './types.js';

export interface RawAttribution {
  attributions: Float32Array;
  score: number;
  baseScore: number;
}

export const DEFAULT_STEPS = 32;
export const DEFAULT_BATCH = 32;

/** `x` and `baseline` are [1, ...shape]; the caller keeps ownership of both. */
export async function integratedGradients(
  model: ExplainableModel,
  x: tf.Tensor,
  baseline: tf.Tensor,
  classIndex: number,
  { steps = DEFAULT_STEPS, batchSize = DEFAULT_BATCH }: { steps?: number; batchSize?: number } = {},
): Promise<RawAttribution> {
  for (const [name, v] of [['steps', steps], ['batchSize', batchSize]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new InferScopeError('INPUT_INVALID', `explain: ${name} must be a positive integer, got ${v}`);
  }
  const gradOf = tf.grad((z: tf.Tensor) => tf.sum(tf.slice(forward(model, z), [0, classIndex], [-1, 1])));
  const diff = tf.tidy(() => tf.sub(x, baseline));
  const ones = new Array<number>(x.rank - 1).fill(1);
  let total: tf.Tensor = tf.zerosLike(x);
  try {
    for (let start = 0; start < steps; start += batchSize) {
      const n = Math.min(batchSize, steps - start);
      const next = tf.tidy(() => {
        const alphas = tf.reshape(tf.div(tf.add(tf.range(start, start + n), 0.5), steps), [n, ...ones]);
        const points = tf.add(baseline, tf.mul(alphas, diff));
        return tf.add(total, tf.sum(withFastGradients(() => gradOf(points)), 0, true));
      });
      total.dispose();
      total = next;
    }
    const attr = tf.tidy(() => tf.div(tf.mul(total, diff), steps));
    const ends = tf.tidy(() => tf.slice(forward(model, tf.concat([x, baseline])), [0, classIndex], [2, 1]));
    const [attributions, scores] = await Promise.all([attr.data() as Promise<Float32Array>, ends.data()]);
    attr.dispose();
    ends.dispose();
    return { attributions: Float32Array.from(attributions), score: scores[0], baseScore: scores[1] };
  } finally {
    diff.dispose();
    total.dispose();
  }
}
