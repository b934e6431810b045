// Integrated gradients (Sundararajan et al. 2017): attribution_i = (x_i − x'_i) ·
// mean over α of ∂f_c/∂x_i at x' + α(x − x'). Midpoint Riemann sum, whose error falls as
// 1/steps²; the interpolation points go through the model in batches of `batchSize`
// (one forward + one backward pass per batch, never one call per step).
import * as tf from '@tensorflow/tfjs-core';
import { InferScopeError } from '../errors.js';
import { chainForward, chainGradientSum } from './chain-gradients.js';
import { withFastGradients } from './fast-grads.js';
import { withIgKernels } from './ig-kernels.js';
import { layerChain } from './layer-chain.js';
import { markTape } from './tape-marks.js';
import { forward } from './model-fn.js';
import type { ExplainableModel } from './types.js';

export interface RawAttribution {
  attributions: Float32Array;
  score: number;
  baseScore: number;
}

/** The model's output row at the input and at the baseline, in one batch-2 pass; the caller owns the result. */
export function endpoints(model: ExplainableModel, x: tf.Tensor, baseline: tf.Tensor): tf.Tensor2D {
  // A recognized chain runs its fused kernels directly (no per-layer tfjs-layers overhead).
  const chain = tf.getBackend() === 'wasm' ? layerChain(model) : undefined;
  return tf.tidy(() => (chain ? chainForward(chain, tf.concat([x, baseline])) : forward(model, tf.concat([x, baseline]))));
}

export const DEFAULT_STEPS = 32;
export const DEFAULT_BATCH = 32;

/**
 * Attributions (input elements, flattened) for output `classIndex`. `x` and `baseline` are
 * [1, ...shape]; the caller keeps ownership of both. Scores come from endpoints().
 */
export async function integratedGradients(
  model: ExplainableModel,
  x: tf.Tensor,
  baseline: tf.Tensor,
  classIndex: number,
  { steps = DEFAULT_STEPS, batchSize = DEFAULT_BATCH }: { steps?: number; batchSize?: number } = {},
): Promise<Float32Array> {
  for (const [name, v] of [['steps', steps], ['batchSize', batchSize]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new InferScopeError('INPUT_INVALID', `explain: ${name} must be a positive integer, got ${v}`);
  }
  const gradOf = tf.grad((z: tf.Tensor) => {
    const out = forward(model, z);
    markTape(z); // only the batch sum of this gradient is used (below)
    return tf.sum(tf.slice(out, [0, classIndex], [-1, 1]));
  });
  // On wasm, a model made only of layers with hand-written gradients skips the tape (chain-gradients.ts).
  const chain = tf.getBackend() === 'wasm' ? layerChain(model) : undefined;
  const diff = tf.tidy(() => tf.sub(x, baseline));
  // The points lie on a line: [baseline; diff] for the tape path (ig-kernels.ts), [baseline; x] for the chain.
  const line = tf.concat([baseline, chain ? x : diff]);
  const ones = new Array<number>(x.rank - 1).fill(1);
  let total: tf.Tensor = tf.zerosLike(x);
  try {
    for (let start = 0; start < steps; start += batchSize) {
      const n = Math.min(batchSize, steps - start);
      const next = tf.tidy(() => {
        const alpha = Array.from({ length: n }, (_, k) => (start + k + 0.5) / steps);
        if (chain) return tf.add(total, chainGradientSum(chain, line, alpha, classIndex));
        const coeffs = tf.tensor2d(alpha.flatMap((a) => [1, a]), [n, 2]); // points = coeffs · [baseline; diff]
        const points = tf.add(baseline, tf.mul(tf.tensor(alpha, [n, ...ones]), diff));
        const grad = withIgKernels(points, line, coeffs, () => withFastGradients(() => gradOf(points)));
        return tf.add(total, tf.sum(grad, 0, true));
      });
      total.dispose();
      total = next;
    }
    const attr = tf.tidy(() => tf.div(tf.mul(total, diff), steps));
    const attributions = (await attr.data()) as Float32Array;
    attr.dispose();
    return Float32Array.from(attributions);
  } finally {
    tf.dispose([diff, line, total]);
  }
}
