// Drift statistics between a training baseline (expected proportions per bin) and
// live counts in the same bins. Isomorphic.
//
// Minimum sample count: with n live samples over k bins, pure sampling noise alone gives
// an expected PSI of about (k - 1) / n (PSI is close to a chi-square statistic / n). We
// report drift only once that noise floor is <= 0.02, a fifth of the usual 0.1 "moderate
// shift" threshold: n >= 50 * (k - 1), and never fewer than 200. For the common 10-bin
// baseline that is 450 samples. Below it the report says `insufficient` instead of a number.

/** Smallest live sample count at which drift is reported for a baseline with `bins` bins. */
export function driftMinSamples(bins: number): number {
  return Math.max(200, 50 * (Math.max(2, bins) - 1));
}

/** Added to empty proportions so log ratios stay finite (the usual PSI convention). */
const EPS = 1e-4;

function proportions(values: readonly number[]): number[] {
  const total = values.reduce((a, b) => a + (b > 0 ? b : 0), 0);
  return values.map((v) => (total > 0 && v > 0 ? v / total : 0));
}

function smooth(p: number[]): number[] {
  const s = p.map((x) => x + EPS);
  const t = s.reduce((a, b) => a + b, 0);
  return s.map((x) => x / t);
}

/**
 * Population stability index of `actual` (counts or proportions) against `expected`.
 * @example psi([0.5, 0.5], [500, 500]) // 0
 */
export function psi(expected: readonly number[], actual: readonly number[]): number {
  if (expected.length !== actual.length) throw new RangeError(`psi: ${expected.length} expected bins vs ${actual.length} actual bins`);
  const e = smooth(proportions(expected));
  const a = smooth(proportions(actual));
  let sum = 0;
  for (let i = 0; i < e.length; i++) sum += (a[i]! - e[i]!) * Math.log(a[i]! / e[i]!);
  return sum;
}

/**
 * Jensen–Shannon distance (square root of the JS divergence, log base 2): 0 for equal
 * distributions, 1 for disjoint ones.
 * @example jsDistance([1, 0], [0, 1]) // 1
 */
export function jsDistance(expected: readonly number[], actual: readonly number[]): number {
  if (expected.length !== actual.length) throw new RangeError(`jsDistance: ${expected.length} expected bins vs ${actual.length} actual bins`);
  const p = proportions(expected);
  const q = proportions(actual);
  let div = 0;
  for (let i = 0; i < p.length; i++) {
    const m = (p[i]! + q[i]!) / 2;
    if (p[i]! > 0) div += 0.5 * p[i]! * Math.log2(p[i]! / m);
    if (q[i]! > 0) div += 0.5 * q[i]! * Math.log2(q[i]! / m);
  }
  return Math.sqrt(Math.max(0, Math.min(1, div)));
}

export type DriftLevel = 'stable' | 'moderate' | 'significant' | 'insufficient';

export interface DriftResult {
  /** Live samples in the window. */
  n: number;
  /** Samples needed before drift is reported (driftMinSamples). */
  minSamples: number;
  psi: number | null;
  js: number | null;
  /** PSI < 0.1 stable, < 0.25 moderate, else significant; `insufficient` below minSamples. */
  level: DriftLevel;
}

/**
 * Drift of live bin counts against baseline proportions, or `insufficient` when the
 * window holds fewer than `minSamples` samples.
 * @example drift([0.25, 0.25, 0.5], [100, 120, 300])
 */
export function drift(expected: readonly number[], counts: readonly number[], { minSamples = driftMinSamples(expected.length) }: { minSamples?: number } = {}): DriftResult {
  const n = counts.reduce((a, b) => a + (b > 0 ? b : 0), 0);
  if (n < minSamples || expected.length !== counts.length) return { n, minSamples, psi: null, js: null, level: 'insufficient' };
  const p = psi(expected, counts);
  return { n, minSamples, psi: p, js: jsDistance(expected, counts), level: p < 0.1 ? 'stable' : p < 0.25 ? 'moderate' : 'significant' };
}
