// bench/main-thread's round trip taken apart: each step is the difference of two stamps, averaged
// per block of calls, median over blocks; a call without one of a step's stamps is left out of that
// step only (never read as 0, which would pull the step toward zero).
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { breakdown, WORKER_STEPS, type Stamps } from '../../bench/main-thread-trace.js';

const names = [WORKER_STEPS[0]![1], ...WORKER_STEPS.map(([, , b]) => b)];
/** Calls whose steps take exactly `steps` ms, at random start times. */
const callsOf = (starts: number[], steps: number[]): Stamps[] => starts.map((t0) => {
  const c: Stamps = {};
  let t = t0;
  names.forEach((n, i) => { if (i) t += steps[i - 1]!; c[n] = t; });
  return c;
});
const arb = fc.record({
  starts: fc.array(fc.double({ min: 1.7e12, max: 1.8e12, noNaN: true }), { minLength: 1, maxLength: 80 }),
  steps: fc.array(fc.integer({ min: 0, max: 5000 }).map((us) => us / 1000), { minLength: WORKER_STEPS.length, maxLength: WORKER_STEPS.length }),
});
const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThan(1e-3);

describe('breakdown (bench/main-thread-trace.ts)', () => {
  test('gives each step its duration and the total their sum, whatever the calls\' start times', () => {
    fc.assert(fc.property(arb, ({ starts, steps }) => {
      const rows = breakdown(callsOf(starts, steps), WORKER_STEPS);
      expect(rows.map((r) => r.step)).toEqual([...WORKER_STEPS.map(([s]) => s), 'total']);
      steps.forEach((d, i) => close(rows[i]!.ms, d));
      close(rows.at(-1)!.ms, steps.reduce((a, b) => a + b, 0));
    }));
  });

  test('a stamp missing from some calls leaves those calls out of the two steps that use it, and no other step moves', () => {
    fc.assert(fc.property(arb, fc.integer({ min: 1, max: WORKER_STEPS.length - 1 }), fc.nat(), ({ starts, steps }, k, drop) => {
      const calls = callsOf(starts, steps);
      const kept = drop % calls.length; // at least one call keeps every stamp
      calls.forEach((c, i) => { if (i !== kept) delete c[names[k]!]; });
      const rows = breakdown(calls, WORKER_STEPS);
      steps.forEach((d, i) => close(rows[i]!.ms, d));
    }));
  });
});
