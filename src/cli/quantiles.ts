// Bin edges from training quantiles, and the proportions of data in each bin, computed
// with the same binIndex the SDK's recorder uses on live inputs.
import { binIndex } from '../protocol/baseline.js';

/** Quantile q of sorted values, linear interpolation (numpy's default, "type 7"). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** The largest number with `digits` significant digits that is <= x. */
export function floorSignificant(x: number, digits: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  const mag = 10 ** (Math.floor(Math.log10(Math.abs(x))) - digits + 1);
  const r = Number((Math.floor(x / mag) * mag).toPrecision(digits));
  return r <= x ? r : Number(((Math.floor(x / mag) - 1) * mag).toPrecision(digits));
}

/**
 * Edges at the 0, 1/bins, ..., 1 quantiles (so `bins` inner bins plus the two open ends),
 * rounded down to 6 significant digits (so the training minimum stays inside the first
 * inner bin) and made strictly ascending (ties collapse).
 */
export function quantileEdges(values: ArrayLike<number>, bins = 10): number[] {
  const sorted = Float64Array.from(values).filter((v) => !Number.isNaN(v)).sort();
  if (sorted.length === 0) return [];
  const edges: number[] = [];
  for (let k = 0; k <= bins; k++) {
    const e = floorSignificant(quantileSorted(sorted, k / bins), 6);
    if (edges.length === 0 || e > edges[edges.length - 1]!) edges.push(e);
  }
  return edges;
}

/** Share of `values` in each bin of `edges` (length edges.length + 1), rounded to 1e-6. */
export function binProportions(values: ArrayLike<number>, edges: number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const b = binIndex(edges, values[i]!);
    if (b >= 0) counts[b]!++, n++;
  }
  return counts.map((c) => (n ? Math.round((c / n) * 1e6) / 1e6 : 0));
}
