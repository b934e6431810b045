// Fresh inputs from the training distribution for the drift control. Cycling the 171-row sample
// set 600 times gives 600 rows but only 171 independent ones, and PSI's small-sample bias is
// about (bins - 1) / independent rows: 11 / 171 ≈ 0.06, plus the set's own sampling error,
// which showed as PSI 0.178 "moderate" with no shift at all. Each row here draws every baseline
// feature afresh from its training bins (bin by expected share, uniform inside the bin), so n
// rows are n independent samples and the collector's minimum count means what it says.
import type { FeatureBaseline } from '../../src/protocol/manifest-types.js';

/** One value from a feature's training bins; `random` in [0, 1) twice per call. */
export function drawFromBins(f: FeatureBaseline, random: () => number = Math.random): number {
  const { edges, expected } = f;
  const total = expected.reduce((a, b) => a + b, 0);
  let u = random() * total, bin = 0;
  while (bin < expected.length - 1 && u >= expected[bin]!) u -= expected[bin++]!;
  // Open-ended outer bins take the width of their inner neighbour.
  const first = edges.length > 1 ? edges[1]! - edges[0]! : 1;
  const last = edges.length > 1 ? edges.at(-1)! - edges.at(-2)! : 1;
  const lo = bin === 0 ? edges[0]! - first : edges[bin - 1]!;
  const hi = bin === edges.length ? edges.at(-1)! + last : edges[bin]!;
  return lo + random() * (hi - lo);
}

/** `template` with every feature that has an input index replaced by a fresh draw. */
export function drawRow(template: readonly number[], features: readonly FeatureBaseline[], random: () => number = Math.random): number[] {
  const row = [...template];
  for (const f of features) if (f.index !== undefined) row[f.index] = drawFromBins(f, random);
  return row;
}
