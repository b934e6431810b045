// Tabular inputs far outside what the model saw in training: the prediction still answers (the
// model can't know it is extrapolating), and the result says so in `warnings`. The training range
// of a feature is the span of its baseline edges: quantileEdges puts the first edge at the
// training minimum and the last at the maximum (src/cli/quantiles.ts).
// Its own chunk: only models with a tabular baseline load it (model.ts).
import type { Baseline } from '../protocol/manifest-types.js';

export interface RangeFeature { name: string; index: number; lo: number; hi: number }

/** Features of the baseline that read an input element, with their training range. */
export function rangeFeatures(baseline: Baseline): RangeFeature[] {
  return baseline.features
    .filter((f) => f.index !== undefined && f.summary === undefined && f.edges.length > 0)
    .map((f) => ({ name: f.name, index: f.index!, lo: f.edges[0]!, hi: f.edges[f.edges.length - 1]! }));
}

/** rows -> warnings (undefined when every value is in range). */
export function rangeChecker(baseline: Baseline): (rows: ArrayLike<number>[]) => string[] | undefined {
  const fs = rangeFeatures(baseline);
  return (rows) => rangeWarnings(fs, rows);
}

/** A number as a person reads it: 1e9, not 1000000000; 32.1, not 32.099998 (a float32 input). */
export const readable = (v: number): string => (Math.abs(v) >= 1e6 && v - v === 0 ? (+v.toPrecision(6)).toExponential().replace('+', '') : String(+v.toPrecision(6)));

/** One warning per feature (its first out-of-range value), or undefined when all are in range. */
export function rangeWarnings(fs: RangeFeature[], rows: ArrayLike<number>[]): string[] | undefined {
  let out: string[] | undefined;
  for (const f of fs) {
    for (let r = 0; r < rows.length; r++) {
      const v = rows[r]![f.index]!;
      // Inputs are float32: the training minimum 33.1 arrives as 33.099998, which is not outside.
      if (!(v < Math.fround(f.lo) || v > Math.fround(f.hi))) continue; // NaN (allowed by the caller) is not "out of range"
      (out ??= []).push(`${f.name} = ${readable(v)} is outside the training range ${readable(f.lo)}..${readable(f.hi)}${rows.length > 1 ? ` (example ${r})` : ''}`);
      break;
    }
  }
  return out;
}
