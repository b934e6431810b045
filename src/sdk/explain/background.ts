// Background data for KernelSHAP (and the tabular IG baseline). A manifest baseline holds
// per-feature marginals only (bins + expected shares), so rows are drawn from the product
// of the marginals: stratified quantiles per feature, shuffled independently per feature.
import type { Baseline } from '../../protocol/manifest-types.js';
import { InferScopeError } from '../errors.js';
import { rng } from './coalitions.js';

export interface Background {
  rows: Float32Array[];
  weights: Float64Array; // sums to 1
}

/** Rows drawn from a manifest baseline (default 32). */
export const BASELINE_ROWS = 32;

/** Representative value of each bin: the midpoint; open tail bins extend by half their neighbour's width. */
export function binMidpoints(edges: number[]): number[] {
  const k = edges.length;
  if (k === 0) return [0];
  if (k === 1) return [edges[0], edges[0]];
  const mids = [edges[0] - (edges[1] - edges[0]) / 2];
  for (let i = 1; i < k; i++) mids.push((edges[i - 1] + edges[i]) / 2);
  mids.push(edges[k - 1] + (edges[k - 1] - edges[k - 2]) / 2);
  return mids;
}

/**
 * Background rows of `size` elements from a manifest baseline. Elements no baseline
 * feature reads (for example one-hot columns) take 0, the "absent" value.
 */
export function backgroundFromBaseline(baseline: Baseline, size: number, { rows = BASELINE_ROWS, seed = 1 } = {}): Background {
  const random = rng(seed);
  const out = Array.from({ length: rows }, () => new Float32Array(size));
  let used = 0;
  for (const f of baseline.features) {
    if (f.index === undefined || f.summary) continue;
    if (f.index < 0 || f.index >= size) {
      throw new InferScopeError('MODEL_INVALID', `baseline feature "${f.name}" reads element ${f.index}, but the input has ${size} elements`);
    }
    used++;
    const mids = binMidpoints(f.edges);
    const p = f.expected.map((e) => Math.max(0, e));
    const pSum = p.reduce((a, b) => a + b, 0) || 1;
    const values: number[] = [];
    for (let r = 0; r < rows; r++) {
      let u = ((r + 0.5) / rows) * pSum;
      let bin = 0;
      while (bin < p.length - 1 && u >= p[bin]) { u -= p[bin]; bin++; }
      values.push(mids[Math.min(bin, mids.length - 1)]);
    }
    for (let r = rows - 1; r > 0; r--) { const j = Math.floor(random() * (r + 1)); [values[r], values[j]] = [values[j], values[r]]; }
    for (let r = 0; r < rows; r++) out[r][f.index] = values[r];
  }
  if (used === 0) {
    throw new InferScopeError('INPUT_INVALID', 'explain: the manifest baseline has no per-element features to build background data from; pass options.background rows');
  }
  return { rows: out, weights: new Float64Array(rows).fill(1 / rows) };
}

/** Validates user rows (or derives them from a baseline) into a weighted background. */
export function toBackground(
  given: ArrayLike<number>[] | Baseline | undefined,
  weights: ArrayLike<number> | undefined,
  size: number,
  seed: number,
): Background | undefined {
  if (!given) return undefined;
  if (!Array.isArray(given)) return backgroundFromBaseline(given as Baseline, size, { seed });
  if (given.length === 0) throw new InferScopeError('INPUT_INVALID', 'explain: options.background is empty; pass at least one row');
  const rows = given.map((r, i) => {
    if (r.length !== size) throw new InferScopeError('INPUT_INVALID', `explain: background row ${i} has ${r.length} values; the input has ${size}`);
    return Float32Array.from(r);
  });
  const w = weights ? Float64Array.from(weights) : new Float64Array(rows.length).fill(1);
  if (w.length !== rows.length || w.some((v) => !(v >= 0))) {
    throw new InferScopeError('INPUT_INVALID', `explain: backgroundWeights needs ${rows.length} non-negative numbers`);
  }
  const sum = w.reduce((a, b) => a + b, 0);
  if (!(sum > 0)) throw new InferScopeError('INPUT_INVALID', 'explain: backgroundWeights sum to 0');
  for (let i = 0; i < w.length; i++) w[i] /= sum;
  return { rows, weights: w };
}

/** Weighted mean row of a background. */
export function meanRow(bg: Background): Float32Array {
  const size = bg.rows[0].length;
  const mean = new Float64Array(size);
  bg.rows.forEach((row, r) => { for (let i = 0; i < size; i++) mean[i] += bg.weights[r] * row[i]; });
  return Float32Array.from(mean);
}
