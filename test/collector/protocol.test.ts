// Pure protocol pieces the collector relies on: the Batch v1 validator, drift statistics,
// classification metrics.
import { describe, expect, it } from 'vitest';
import { classification } from '../../src/protocol/classification.js';
import { drift, driftMinSamples, jsDistance, psi } from '../../src/protocol/drift.js';
import { validateBatch } from '../../src/protocol/wire.js';
import { makeBatch, modelAggregate } from './helpers.js';

const fieldOf = (b: unknown) => { const r = validateBatch(b); return r.ok ? 'ok' : r.field; };

describe('validateBatch', () => {
  it('accepts a realistic batch (with optional parts)', () => {
    expect(fieldOf(makeBatch())).toBe('ok');
    expect(fieldOf(makeBatch({ cache: { hit: 1, miss: 0, evicted: 0, unavailable: 0, integrityFailures: 0 }, vitals: {}, appKey: 'pk_x_123456' }))).toBe('ok');
  });
  it('names the field of unknown fields, bad enums and absurd numbers', () => {
    expect(fieldOf({ ...makeBatch(), extra: 1 })).toBe('batch.extra');
    expect(fieldOf(makeBatch({ v: 2 as 1 }))).toBe('batch.v');
    expect(fieldOf(makeBatch({ sampleRate: 0 }))).toBe('batch.sampleRate');
    expect(fieldOf(makeBatch({ sampleRate: 1.5 }))).toBe('batch.sampleRate');
    expect(fieldOf(makeBatch({ models: [modelAggregate({ predictions: Number.NaN })] }))).toBe('batch.models[0].predictions');
    expect(fieldOf(makeBatch({ models: [modelAggregate({ variant: 'beta' as never })] }))).toBe('batch.models[0].variant');
    expect(fieldOf(makeBatch({ models: [modelAggregate({ errors: { 'lower case': 1 } })] }))).toMatch(/^batch\.models\[0\]\.errors\[/);
    const m = modelAggregate();
    expect(fieldOf(makeBatch({ models: [{ ...m, latency: { ...m.latency, count: m.latency.count + 5 } }] }))).toBe('batch.models[0].latency.count');
    expect(fieldOf(makeBatch({ window: { start: 10, end: 5 } }))).toBe('batch.window.end');
    expect(fieldOf(makeBatch({ batchId: 'short' }))).toBe('batch.batchId');
    expect(fieldOf(makeBatch({ client: { browser: 'chrome', browserMajor: 1, os: 'linux', device: 'desktop', ua: 'Mozilla/5.0' } as never }))).toBe('batch.client.ua');
    // Names are data, not object keys, on the collector (null-prototype maps): "__proto__" is a valid label (hostile-names.test.ts).
    expect(fieldOf(makeBatch({ models: [modelAggregate({ classes: JSON.parse('{"__proto__": 3}') })] }))).toBe('ok');
    expect(fieldOf(null)).toBe('batch');
    expect(fieldOf([])).toBe('batch');
  });
  it('allows fractional counts only when local differential privacy is declared', () => {
    expect(fieldOf(makeBatch({ models: [modelAggregate({ predictions: 20.4 })] }))).toBe('batch.models[0].predictions');
    expect(fieldOf(makeBatch({ dp: { epsilon: 1 }, models: [modelAggregate({ predictions: 20.4 })] }))).toBe('ok');
  });
});

describe('drift', () => {
  it('PSI and JS distance are 0 for equal distributions and grow with shift', () => {
    expect(psi([0.25, 0.5, 0.25], [250, 500, 250])).toBeCloseTo(0, 10);
    expect(jsDistance([0.25, 0.5, 0.25], [25, 50, 25])).toBeCloseTo(0, 10);
    expect(jsDistance([1, 0], [0, 1])).toBeCloseTo(1, 10);
    // Textbook PSI: (0.4-0.5)ln(0.4/0.5) + (0.6-0.5)ln(0.6/0.5)
    expect(psi([0.5, 0.5], [40, 60])).toBeCloseTo(0.1 * Math.log(1.25) + 0.1 * Math.log(1.2), 3);
    expect(psi([0.5, 0.5], [100, 900])).toBeGreaterThan(psi([0.5, 0.5], [400, 600]));
  });
  it('says insufficient below the documented minimum and levels above it', () => {
    expect(driftMinSamples(10)).toBe(450);
    expect(driftMinSamples(2)).toBe(200);
    expect(drift([0.5, 0.5], [50, 50])).toMatchObject({ level: 'insufficient', psi: null, n: 100 });
    expect(drift([0.5, 0.5], [500, 500]).level).toBe('stable');
    expect(drift([0.5, 0.5], [100, 900]).level).toBe('significant');
  });
});

describe('classification', () => {
  it('leaves undefined scores null instead of zero', () => {
    const r = classification([['a', 'a', 5], ['a', 'b', 5]]);
    expect(r.accuracy).toBe(0.5);
    const b = r.perClass.find((c) => c.label === 'b')!;
    expect(b).toMatchObject({ precision: null, recall: 0, f1: null, support: 5 });
    expect(r.macro.precision).toBe(0.5);
    expect(classification([]).accuracy).toBeNull();
  });
});
