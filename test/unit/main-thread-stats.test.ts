// bench/main-thread's percentile: nearest rank, so a reported p98 is a lag that was measured.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { lagSummary, median, percentile } from '../../bench/main-thread-stats.js';

describe('percentile (nearest rank)', () => {
  test('is a sample with at least p of the samples at or below it, and fewer than p strictly below', () => {
    fc.assert(fc.property(fc.array(fc.double({ min: 0, max: 1e4, noNaN: true }), { minLength: 1, maxLength: 300 }), fc.double({ min: 0, max: 1, noNaN: true }), (xs, p) => {
      const v = percentile(xs, p);
      expect(xs).toContain(v);
      const rank = Math.max(1, Math.ceil(p * xs.length));
      expect(xs.filter((x) => x <= v).length).toBeGreaterThanOrEqual(rank);
      expect(xs.filter((x) => x < v).length).toBeLessThan(rank);
    }));
  });

  test('p98 of 100 samples is the 98th smallest; one stall in 100 does not move it, three do (the 98th smallest is then the first stall)', () => {
    const calm = Array.from({ length: 100 }, (_, i) => i / 100);
    expect(percentile(calm, 0.98)).toBe(0.97);
    expect(lagSummary([...calm.slice(1), 500]).p98).toBeLessThan(1);
    expect(lagSummary([...calm.slice(3), 500, 600, 700]).p98).toBe(500);
  });

  test('does not reorder the caller\'s samples; no samples give NaN', () => {
    const xs = [3, 1, 2];
    expect(median(xs)).toBe(2);
    expect(xs).toEqual([3, 1, 2]);
    expect(lagSummary([])).toEqual({ n: 0, p50: NaN, p98: NaN, max: NaN });
  });
});
