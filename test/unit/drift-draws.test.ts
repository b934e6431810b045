// Drift control inputs (#13.7): each draw lands in the training bin its random number picks,
// so draws follow the baseline's expected shares and n draws are n independent samples.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { drawFromBins } from '../../demo/src/drift-draws.js';
import { drift } from '../../src/protocol/drift.js';

const baseline = fc.uniqueArray(fc.integer({ min: -1000, max: 1000 }), { minLength: 2, maxLength: 15 })
  .map((xs) => xs.sort((a, b) => a - b))
  .chain((edges) => fc.array(fc.integer({ min: 1, max: 50 }), { minLength: edges.length + 1, maxLength: edges.length + 1 }).map((expected) => ({ name: 'x', edges, expected })));

const binOf = (edges: number[], v: number) => edges.filter((e) => v >= e).length;

describe('drawFromBins', () => {
  it('puts each draw in the bin its first random number selects by expected share', () => {
    fc.assert(fc.property(baseline, fc.double({ min: 0, max: 0.999999, noNaN: true }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (f, u, w) => {
      const seq = [u, w];
      const v = drawFromBins(f, () => seq.shift()!);
      const total = f.expected.reduce((a, b) => a + b, 0);
      let want = 0, acc = f.expected[0]!;
      while (want < f.expected.length - 1 && u * total >= acc) acc += f.expected[++want]!;
      expect(binOf(f.edges, v)).toBe(want);
    }));
  });
  it('with enough draws and no shift, the drift rule reports stable, not moderate', () => {
    fc.assert(fc.property(baseline, (f) => {
      const counts = new Array<number>(f.expected.length).fill(0);
      for (let i = 0; i < 2000; i++) counts[binOf(f.edges, drawFromBins(f))]!++;
      const total = f.expected.reduce((a, b) => a + b, 0);
      expect(drift(f.expected.map((e) => e / total), counts).level).toBe('stable');
    }), { numRuns: 30 });
  });
});
