// Release checks read class labels, error codes and confusion labels that clients chose, from
// rows as the stores return them (JSON.parse: plain objects). Object.prototype names among them
// must count like any other name: relabelling every name one-to-one with plain names gives the
// same check values and statuses, and no value is NaN (a label "toString" looked up on a plain
// object is a function, and a count plus a function is not a number).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptyState, type AggState } from '../../src/collector/aggregate.js';
import { runChecks, type CheckResult } from '../../src/collector/releases/checks.js';
import { policyFor, validateReleases } from '../../src/collector/releases/policy.js';
import type { StoredRow } from '../../src/collector/store/types.js';
import { isStorableName } from '../../src/protocol/name-rules.js';
import { latencySketch } from './helpers.js';

const PROTO = Object.getOwnPropertyNames(Object.prototype).filter((k) => isStorableName(k, 'label'));
const thresholds = policyFor(validateReleases({ intervalSeconds: 60, defaults: { checks: { shift: { minSamples: 10 }, accuracy: { minLabels: 10 }, errors: { minSamples: 10 } } } }), 'digits', 'stable').checks;

type Side = { classes: [number, number][]; confusion: [number, number, number][]; errors: [number, number][] };
const side = (names: number) => fc.record({
  classes: fc.array(fc.tuple(fc.nat(names - 1), fc.integer({ min: 1, max: 500 })), { minLength: 1, maxLength: 6 }),
  confusion: fc.array(fc.tuple(fc.nat(names - 1), fc.nat(names - 1), fc.integer({ min: 1, max: 200 })), { maxLength: 6 }),
  errors: fc.array(fc.tuple(fc.nat(names - 1), fc.integer({ min: 1, max: 50 })), { maxLength: 3 }),
});

/** A stored row of one side, its names taken from `names`, as a store returns it (JSON round trip). */
function row(variant: 'stable' | 'candidate', s: Side, names: string[]): StoredRow {
  const st: AggState = emptyState();
  st.latency = latencySketch([5, 6, 7]);
  for (const [i, n] of s.classes) { st.classes[names[i]!] = (st.classes[names[i]!] ?? 0) + n; st.predictions += n; }
  for (const [p, a, n] of s.confusion) { const k = JSON.stringify([names[p], names[a]]); st.confusion[k] = (st.confusion[k] ?? 0) + n; }
  for (const [i, n] of s.errors) { const k = names[i]!.toUpperCase(); st.errors[k] = (st.errors[k] ?? 0) + n; }
  return { app: 'shop', model: 'digits', version: variant === 'stable' ? '1.0.0' : '1.1.0', backend: 'wasm', variant, minute: 0, state: JSON.parse(JSON.stringify(st)) as AggState };
}

const checks = (stable: Side, candidate: Side, names: string[]) =>
  runChecks({ rows: [row('stable', stable, names), row('candidate', candidate, names)], stableVersion: '1.0.0', candidateVersion: '1.1.0', baselines: { stable: null, candidate: null }, thresholds });

const summary = (cs: CheckResult[]) => cs.map((c) => ({ name: c.name, status: c.status, values: c.values }));

describe('release checks with Object.prototype names (#16.1 in releases)', () => {
  it('count them like any other name: same values and statuses as plain names, never NaN', () => {
    const n = 4;
    fc.assert(fc.property(fc.uniqueArray(fc.constantFrom(...PROTO), { minLength: n, maxLength: n }), side(n), side(n), (proto, stable, candidate) => {
      const hostile = checks(stable, candidate, proto);
      const plain = checks(stable, candidate, ['a', 'b', 'c', 'd']);
      for (const c of hostile) for (const [k, v] of Object.entries(c.values)) expect(v === null || Number.isFinite(v), `${c.name}.${k} = ${v}`).toBe(true);
      expect(JSON.stringify(hostile)).not.toMatch(/native code|\[object /);
      const h = summary(hostile);
      const p = summary(plain);
      expect(h.map((c) => [c.name, c.status])).toEqual(p.map((c) => [c.name, c.status]));
      h.forEach((c, i) => { for (const [k, v] of Object.entries(c.values)) expect(v === null ? v : Number(v.toFixed(2)), `${c.name}.${k}`).toBe(p[i]!.values[k] === null ? null : Number(p[i]!.values[k]!.toFixed(2))); });
    }), { numRuns: 300 });
  });
});
