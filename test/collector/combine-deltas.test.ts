// combineDeltas sums a group's sketches in one pass (one counts array per result, #16.9)
// instead of folding mergeState delta by delta. Generated groups check that it stores exactly
// what the fold stored (same keys, order, counts, sums, the same sketch kept when accuracies
// differ, the Sketch collapse for spans too wide for one sketch), and never edits a delta:
// a retried group combines the same deltas again.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { combineDeltas, compareKeys, emptyState, mergeState, mergeSketches, type AggState, type RowDelta } from '../../src/collector/aggregate.js';
import { SKETCH_ALPHA } from '../../src/protocol/sketch-core.js';
import type { SketchJSON } from '../../src/protocol/wire-types.js';

// Sketches as stored: counts >= 0, trimmed or not, empty ones, another accuracy, offsets far
// apart (a span past 2,048 buckets goes through Sketch's collapse).
const sketchArb: fc.Arbitrary<SketchJSON | null> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 6, arbitrary: fc.record({
    alpha: fc.oneof({ weight: 6, arbitrary: fc.constant(SKETCH_ALPHA) }, { weight: 1, arbitrary: fc.constant(0.02) }),
    offset: fc.oneof(fc.integer({ min: -40, max: 40 }), fc.integer({ min: -3000, max: 3000 })),
    counts: fc.array(fc.nat(50), { maxLength: 12 }),
    zeros: fc.nat(5),
    min: fc.double({ min: 0, max: 10, noNaN: true }),
    spread: fc.double({ min: 0, max: 1000, noNaN: true }),
    sum: fc.double({ min: 0, max: 1e5, noNaN: true }),
  }).map(({ alpha, offset, counts, zeros, min, spread, sum }) => {
    const count = counts.reduce((a, b) => a + b, 0) + zeros;
    return { alpha, offset, counts, zeros, count, sum: count ? sum : 0, min: count ? min : 0, max: count ? min + spread : 0 };
  }) },
);
const names = fc.constantFrom('a', 'b', 'toString', '__proto__', '3');
const counts = fc.dictionary(names, fc.nat(100), { maxKeys: 3 }).map((o) => Object.assign(Object.create(null) as Record<string, number>, o));
const stateArb: fc.Arbitrary<AggState> = fc.record({
  n: fc.nat(20), latency: sketchArb, classes: counts, errors: counts,
  features: fc.dictionary(fc.constantFrom('mean', 'ink'), fc.array(fc.nat(9), { minLength: 1, maxLength: 4 }), { maxKeys: 2 }),
  loadMs: fc.option(sketchArb, { nil: undefined }),
  vitals: fc.option(fc.dictionary(fc.constantFrom('LCP', 'INP', 'CLS'), sketchArb, { maxKeys: 3 }), { nil: undefined }),
}).map(({ n, latency, classes, errors, features, loadMs, vitals }) => {
  const s = emptyState();
  Object.assign(s, { batches: n, predictions: n * 2, sampled: n, latency, classes, errors });
  for (const [f, bins] of Object.entries(features)) s.features[f] = bins;
  if (loadMs !== undefined) s.loads = { count: 1, failed: 0, bytes: 10, ms: loadMs, source: Object.assign(Object.create(null), { cache: 1 }), errors: Object.create(null), fallbacks: Object.create(null), candidateFallbacks: Object.create(null) };
  if (vitals) s.vitals = Object.assign(Object.create(null), vitals) as Record<string, SketchJSON>;
  return s;
});
const deltaArb: fc.Arbitrary<RowDelta> = fc.record({ model: fc.constantFrom('digits', 'penguins', ''), backend: fc.constantFrom('wasm', 'webgl', ''), state: stateArb })
  .map(({ model, backend, state }) => ({ key: { app: 'shop', model, version: model ? '1.0.0' : '', backend, variant: backend ? 'stable' : '', minute: 1_700_000_040_000 }, state }));

/** What combineDeltas computed before #16.9: fold mergeState delta by delta, sort in lock order. */
function foldReference(deltas: RowDelta[]): RowDelta[] {
  const byKey = new Map<string, RowDelta>();
  for (const d of deltas) {
    const k = JSON.stringify(d.key);
    const cur = byKey.get(k);
    if (cur) mergeState(cur.state, d.state);
    else byKey.set(k, { key: d.key, state: mergeState(emptyState(), d.state) });
  }
  return [...byKey.values()].sort((x, y) => compareKeys(x.key, y.key));
}

describe('combineDeltas (#16.9)', () => {
  it('stores what merging the deltas one by one stored, and never edits a delta (generated groups)', () => {
    fc.assert(fc.property(fc.array(deltaArb, { minLength: 1, maxLength: 12 }), (deltas) => {
      const before = JSON.stringify(deltas);
      const got = JSON.stringify(combineDeltas(deltas));
      expect(JSON.stringify(deltas)).toBe(before);
      expect(got).toBe(JSON.stringify(foldReference(JSON.parse(before) as RowDelta[])));
    }), { numRuns: 400 });
  });

  it('sums a row\'s sketches into one new counts array, keeping the first accuracy', () => {
    const s = (offset: number, counts: number[], alpha = SKETCH_ALPHA): SketchJSON => ({ alpha, offset, counts, zeros: 0, count: counts.reduce((a, b) => a + b, 0), sum: 1, min: 1, max: 2 });
    const a = s(3, [1, 2]);
    const merged = mergeSketches([null, s(0, []), a, s(0, [5], 0.02), s(1, [0, 4, 0, 0, 1])])!;
    expect(merged).toEqual({ alpha: SKETCH_ALPHA, offset: 2, counts: [4, 1, 2, 1], zeros: 0, count: 8, sum: 2, min: 1, max: 2 });
    expect(a.counts).toEqual([1, 2]);
    expect(mergeSketches([null, a])).toBe(a);
    expect(mergeSketches([null, s(4, [])])).toBeNull();
  });
});
