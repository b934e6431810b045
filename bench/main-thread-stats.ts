// Summaries for bench/main-thread: nearest-rank percentiles (a p98 is a value that was measured,
// not an interpolation between two samples).

export const median = (xs: number[]): number => percentile(xs, 0.5);

/** Nearest-rank percentile, p in [0, 1]: the smallest sample with at least p of the samples at or below it. NaN for no samples. */
export function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!;
}

export function lagSummary(lags: number[]): { n: number; p50: number; p98: number; max: number } {
  return { n: lags.length, p50: percentile(lags, 0.5), p98: percentile(lags, 0.98), max: lags.length ? Math.max(...lags) : NaN };
}
