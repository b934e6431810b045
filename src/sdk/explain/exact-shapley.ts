// Exact Shapley values by enumerating all 2^M coalitions — the reference KernelSHAP is
// checked against, and usable directly when M is small (M <= 16).
import type * as tf from '@tensorflow/tfjs-core';
import { InferScopeError } from '../errors.js';
import type { Background } from './background.js';
import { binomial } from './coalitions.js';
import { coalitionPayoffs } from './kernel-shap.js';
import type { ExplainableModel } from './types.js';

/** φ_i = Σ_{S ∌ i} |S|!(M−|S|−1)!/M! · (v(S ∪ {i}) − v(S)), with v(S) = E_bg[f(x_S, bg_rest)]. */
export async function exactShapley(model: ExplainableModel, x: tf.Tensor, bg: Background, classIndex: number): Promise<Float64Array> {
  const xData = Float32Array.from(await x.data());
  const M = xData.length;
  if (M > 16) throw new InferScopeError('INPUT_INVALID', `exactShapley enumerates 2^M coalitions; ${M} features is too many (max 16) — use KernelSHAP`);
  const count = 2 ** M;
  const masks = new Uint8Array(count * M);
  for (let bits = 0; bits < count; bits++) for (let j = 0; j < M; j++) masks[bits * M + j] = (bits >> j) & 1;
  const group = Int32Array.from({ length: M }, (_, i) => i);
  const shape = x.shape.slice(1);
  const v = await coalitionPayoffs(model, xData, shape, bg, classIndex, masks, M, group);
  const phi = new Float64Array(M);
  for (let bits = 0; bits < count; bits++) {
    let s = 0;
    for (let j = 0; j < M; j++) s += (bits >> j) & 1;
    for (let i = 0; i < M; i++) {
      if ((bits >> i) & 1) continue;
      const weight = 1 / (M * binomial(M - 1, s));
      phi[i] += weight * (v[bits | (1 << i)] - v[bits]);
    }
  }
  return phi;
}
