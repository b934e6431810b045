// KernelSHAP: Shapley values as the weighted least-squares fit of coalition payoffs
// v(S) = E_bg[f(x_S, bg_rest)], with the efficiency constraint. Model-agnostic: only
// forward passes, so it explains graph models whose ops have no gradient.
import * as tf from '@tensorflow/tfjs-core';
import type { Background } from './background.js';
import { defaultSamples, rng, shapleyCoalitions } from './coalitions.js';
import type { RawAttribution } from './integrated-gradients.js';
import { forward } from './model-fn.js';
import { solveShapley } from './wls.js';
import type { ExplainableModel } from './types.js';
import { InferScopeError } from '../errors.js';

/** Floats per forward pass (4 Mi = 16 MB of input), to bound memory. */
const CHUNK_FLOATS = 1 << 22;

export interface ShapOptions {
  samples?: number;
  seed?: number;
  /** Player of each input element (default: every element is a player). */
  groups?: Int32Array;
}

export async function kernelShap(
  model: ExplainableModel,
  x: tf.Tensor,
  bg: Background,
  classIndex: number,
  { samples, seed = 1, groups }: ShapOptions = {},
): Promise<RawAttribution & { exact: boolean }> {
  const xData = Float32Array.from(await x.data());
  const D = xData.length;
  const group = groups ?? Int32Array.from({ length: D }, (_, i) => i);
  let M = 0;
  for (const g of group) M = Math.max(M, g + 1);
  const budget = samples ?? defaultSamples(M);
  if (!Number.isInteger(budget) || budget < 1) throw new InferScopeError('INPUT_INVALID', `explain: samples must be a positive integer, got ${samples}`);
  const shape = x.shape.slice(1);

  const [fx, fnull] = await endpoints(model, xData, shape, bg, classIndex);
  const c = shapleyCoalitions(M, budget, rng(seed));
  const payoff = await coalitionPayoffs(model, xData, shape, bg, classIndex, c.masks, M, group);

  const phi = solveShapley(c, payoff, fnull, fx - fnull);
  const size = new Float64Array(M);
  for (const g of group) size[g]++;
  const attributions = new Float32Array(D);
  for (let e = 0; e < D; e++) attributions[e] = phi[group[e]] / size[group[e]];
  return { attributions, score: fx, baseScore: fnull, exact: c.exact };
}

async function evaluate(model: ExplainableModel, rows: Float32Array, n: number, shape: number[], classIndex: number): Promise<Float32Array> {
  const out = tf.tidy(() => tf.slice(forward(model, tf.tensor(rows, [n, ...shape])), [0, classIndex], [-1, 1]));
  const v = (await out.data()) as Float32Array;
  out.dispose();
  return v;
}

/** f(x) and E_bg[f], in one forward pass. */
export async function endpoints(model: ExplainableModel, xData: Float32Array, shape: number[], bg: Background, classIndex: number): Promise<[number, number]> {
  const D = xData.length;
  const B = bg.rows.length;
  const rows = new Float32Array((B + 1) * D);
  rows.set(xData, 0);
  bg.rows.forEach((row, b) => rows.set(row, (b + 1) * D));
  const vals = await evaluate(model, rows, B + 1, shape, classIndex);
  let fnull = 0;
  for (let b = 0; b < B; b++) fnull += bg.weights[b] * vals[b + 1];
  return [vals[0], fnull];
}

/**
 * v(S) = E_bg[f(x_S, bg_rest)] for each coalition mask (M players; `group` maps input
 * elements to players). Rows go through the model in chunks of at most CHUNK_FLOATS.
 */
export async function coalitionPayoffs(
  model: ExplainableModel, xData: Float32Array, shape: number[], bg: Background, classIndex: number,
  masks: Uint8Array, M: number, group: Int32Array,
): Promise<Float64Array> {
  const D = xData.length;
  const B = bg.rows.length;
  const count = masks.length / M;
  const payoff = new Float64Array(count);
  const perChunk = Math.max(1, Math.floor(CHUNK_FLOATS / (B * D)));
  for (let first = 0; first < count; first += perChunk) {
    const n = Math.min(perChunk, count - first);
    const buf = new Float32Array(n * B * D);
    for (let i = 0; i < n; i++) {
      const mask = masks.subarray((first + i) * M, (first + i + 1) * M);
      for (let b = 0; b < B; b++) {
        const off = (i * B + b) * D;
        buf.set(bg.rows[b], off);
        for (let e = 0; e < D; e++) if (mask[group[e]]) buf[off + e] = xData[e];
      }
    }
    const vals = await evaluate(model, buf, n * B, shape, classIndex);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let b = 0; b < B; b++) s += bg.weights[b] * vals[i * B + b];
      payoff[first + i] = s;
    }
  }
  return payoff;
}

/** Image players: square patches of `patch` pixels (all channels together), row-major. */
export function patchGroups(height: number, width: number, channels: number, patch: number): Int32Array {
  const cols = Math.ceil(width / patch);
  const g = new Int32Array(height * width * channels);
  for (let h = 0; h < height; h++) {
    for (let w = 0; w < width; w++) {
      const player = Math.floor(h / patch) * cols + Math.floor(w / patch);
      for (let ch = 0; ch < channels; ch++) g[(h * width + w) * channels + ch] = player;
    }
  }
  return g;
}
