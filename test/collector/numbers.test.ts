// Issue 16.2: numbers stay in range, and no client can spoil what others stored. A tiny
// sampleRate (counts / rate -> Infinity), a sketch of another accuracy or with absurd
// bucket offsets is refused; a merge never lowers a counter an earlier batch stored.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchToDeltas, combineDeltas, emptyState, mergeState, type AggState } from '../../src/collector/aggregate.js';
import { SKETCH_ALPHA } from '../../src/protocol/sketch-core.js';
import { Sketch } from '../../src/protocol/sketch.js';
import { validateBatch, WIRE_LIMITS } from '../../src/protocol/wire.js';
import type { Batch, SketchJSON } from '../../src/protocol/wire-types.js';
import { admin, latencySketch, makeBatch, modelAggregate, startTestCollector, type TestCollector } from './helpers.js';

const sketchOf = (values: number[], alpha = SKETCH_ALPHA): SketchJSON => { const s = new Sketch({ alpha }); for (const v of values) s.add(v); return s.toJSON(); };

// Batches with generated counts, names, sample rates and sketch accuracies, some of them
// out of range (a rate of 5e-324, another alpha): the property holds for whatever the
// validator admits.
const label = fc.constantFrom('a', 'b', 'cat', 'dog', '3', '7');
const modelArb = fc.record({
  values: fc.array(fc.double({ min: 0.01, max: 5000, noNaN: true }), { minLength: 1, maxLength: 30 }),
  classes: fc.dictionary(label, fc.nat(1000), { maxKeys: 4 }),
  features: fc.dictionary(fc.constantFrom('mean', 'ink', 'std'), fc.array(fc.nat(500), { minLength: 1, maxLength: 4 }), { maxKeys: 3 }),
  errors: fc.dictionary(fc.constantFrom('PREDICT_FAILED', 'INPUT_SHAPE'), fc.nat(50), { maxKeys: 2 }),
  confusion: fc.array(fc.tuple(label, label, fc.nat(100)), { maxLength: 4 }),
  importance: fc.dictionary(fc.constantFrom('mean', 'ink'), fc.record({ sum: fc.double({ min: 0, max: 100, noNaN: true }), n: fc.nat(100) }), { maxKeys: 2 }),
  scores: fc.array(fc.nat(100), { minLength: 10, maxLength: 10 }),
});
const batchArb = fc.record({
  rate: fc.oneof({ weight: 8, arbitrary: fc.double({ min: WIRE_LIMITS.minSampleRate, max: 1, noNaN: true }) }, { weight: 1, arbitrary: fc.constantFrom(5e-324, 1e-12) }),
  alpha: fc.oneof({ weight: 8, arbitrary: fc.constant(SKETCH_ALPHA) }, { weight: 1, arbitrary: fc.constantFrom(0.02, 0.005) }),
  model: modelArb,
  load: fc.record({ ms: fc.double({ min: 0, max: 60_000, noNaN: true }), count: fc.integer({ min: 1, max: 20 }), bytes: fc.nat(1e7), cache: fc.boolean() }),
  vitals: fc.array(fc.double({ min: 0, max: 10_000, noNaN: true }), { maxLength: 5 }),
}).map(({ rate, alpha, model, load, vitals }): Batch => {
  const latency = sketchOf(model.values, alpha);
  return makeBatch({
    sampleRate: rate,
    models: [modelAggregate({ predictions: latency.count, latency, classes: model.classes, features: model.features, errors: model.errors, confusion: model.confusion, importance: model.importance, scores: model.scores })],
    loads: [{ model: 'digits', version: '1.0.0', variant: 'stable', backend: 'wasm', source: load.cache ? 'cache' : 'network', bytes: load.bytes, ms: load.ms, fallbacks: [], count: load.count }],
    ...(vitals.length ? { vitals: { LCP: sketchOf(vitals) } } : {}),
  });
});

/** Every counter of a state as path -> value (sketch buckets by absolute index; min/max/alpha/offset are not counters). */
function counters(s: AggState, prefix = '', out = new Map<string, number>()): Map<string, number> {
  const walk = (v: unknown, p: string): void => {
    if (typeof v === 'number') { out.set(p, v); return; }
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    if (typeof o.alpha === 'number' && Array.isArray(o.counts)) {
      const sk = o as unknown as SketchJSON;
      sk.counts.forEach((n, j) => out.set(`${p}.bucket${sk.offset + j}`, n));
      for (const k of ['zeros', 'count', 'sum'] as const) out.set(`${p}.${k}`, sk[k]);
      return;
    }
    for (const k of Object.keys(o)) walk(o[k], `${p}.${k}`);
  };
  walk(s, prefix);
  return out;
}

describe('merge (#16.2)', () => {
  it('never lowers or replaces a counter an earlier batch stored (generated batches)', () => {
    let checked = 0;
    fc.assert(fc.property(batchArb, batchArb, (x, y) => {
      fc.pre(validateBatch(JSON.parse(JSON.stringify(x))).ok && validateBatch(JSON.parse(JSON.stringify(y))).ok);
      checked++;
      const now = Date.now();
      for (const [dx, dy] of combineDeltas(batchToDeltas('shop', x, now)).map((d) => [d, batchToDeltas('shop', y, now).find((e) => JSON.stringify(e.key) === JSON.stringify(d.key))] as const)) {
        // The stored row, as the database gives it back (plain JSON), merged with the next batch.
        const a = JSON.parse(JSON.stringify(dx.state)) as AggState;
        const before = counters(JSON.parse(JSON.stringify(a)) as AggState);
        const merged = mergeState(a, dy ? dy.state : emptyState());
        // JSON round trip: what the next read of the row sees (Infinity would come back as null).
        const after = counters(JSON.parse(JSON.stringify(merged)) as AggState);
        const lowered = [...before].filter(([path, v]) => !(typeof after.get(path) === 'number' && Number.isFinite(after.get(path)) && after.get(path)! >= v));
        expect(lowered.map(([path, v]) => `${path}: ${v} -> ${after.get(path)}`)).toEqual([]);
      }
    }), { numRuns: 150 });
    expect(checked).toBeGreaterThan(75);
  });

  it('keeps the stored latency when a row was written with another sketch accuracy', () => {
    const a = emptyState();
    a.latency = latencySketch([5, 6, 7]);
    const b = emptyState();
    b.latency = new Sketch({ alpha: 0.02 }).toJSON();
    const bs = new Sketch({ alpha: 0.02 });
    for (let i = 0; i < 100; i++) bs.add(1e6);
    b.latency = bs.toJSON();
    expect(mergeState(JSON.parse(JSON.stringify(a)) as AggState, b).latency).toEqual(a.latency);
  });
});

let c: TestCollector;
beforeAll(async () => { c = await startTestCollector({ rateLimit: { max: 1_000_000, windowSeconds: 60 } }); });
afterAll(async () => { await c?.close(); });

const reportOf = async (model: string) => (await admin(`${c.url}/v1/models/${model}/report`)).json();

describe('numbers out of range are refused at ingest (#16.2)', () => {
  it('refuses sample rates below 1e-6 and keeps counts finite above it', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(fc.double({ min: Number.MIN_VALUE, max: 0.99e-6, noNaN: true }), fc.constantFrom(5e-324, 1e-300, 1e-7)), async (rate) => {
      const r = await c.post(makeBatch({ sampleRate: rate, models: [modelAggregate({ model: 'rate' })] }));
      expect(r.status).toBe(400);
      expect((await r.json()).error.field).toBe('batch.sampleRate');
    }), { numRuns: 30 });
    let want = 0;
    await fc.assert(fc.asyncProperty(fc.double({ min: 1e-6, max: 1, noNaN: true }), async (rate) => {
      const m = modelAggregate({ model: 'rate' });
      const r = await c.post(makeBatch({ sampleRate: rate, models: [m], loads: [] }));
      expect(r.status, await r.clone().text()).toBe(200);
      want += m.predictions / rate;
    }), { numRuns: 30 });
    const rep = await reportOf('rate');
    expect(Number.isFinite(rep.predictions)).toBe(true);
    expect(rep.predictions).toBeCloseTo(want, -2);
    // Scaled counts that would exceed exact doubles are refused, even with an allowed rate.
    const big = await c.post(makeBatch({ sampleRate: 1e-6, models: [modelAggregate({ model: 'rate', predictions: 1e11, latency: latencySketch([1]) })], dp: { epsilon: 1 } }));
    expect(big.status).toBe(400);
    expect((await big.json()).error.message).toMatch(/sampleRate is out of range/);
  });

  it('refuses sketches of another accuracy or with bucket offsets out of range; the stored row is untouched', async () => {
    const good = modelAggregate({ model: 'sketchy', latency: latencySketch([10, 20, 30, 40]) });
    expect((await c.post(makeBatch({ models: [good], loads: [] }))).status).toBe(200);
    const before = await reportOf('sketchy');
    const hostileSketch = fc.oneof(
      fc.double({ min: 1e-4, max: 0.5, noNaN: true }).filter((a) => a !== SKETCH_ALPHA).map((alpha) => ({ ...latencySketch([1, 2]), alpha })),
      fc.integer({ min: 808, max: 10_000_000 }).map((offset) => ({ ...latencySketch([1]), offset, counts: [1] })),
      fc.integer({ min: -10_000_000, max: -1038 }).map((offset) => ({ ...latencySketch([1]), offset, counts: [1] })),
      fc.integer({ min: 0, max: 800 }).map((offset) => ({ alpha: SKETCH_ALPHA, offset, counts: new Array(900).fill(1), zeros: 0, count: 900, sum: 900, min: 1, max: 2 })),
    );
    await fc.assert(fc.asyncProperty(hostileSketch, fc.boolean(), async (latency, inVitals) => {
      const b = inVitals ? makeBatch({ models: [], loads: [], vitals: { LCP: latency } }) : makeBatch({ models: [modelAggregate({ model: 'sketchy', latency, predictions: latency.count })], loads: [] });
      const r = await c.post(b);
      expect(r.status, JSON.stringify(latency).slice(0, 200)).toBe(400);
      expect((await r.json()).error.field).toMatch(/latency\.(alpha|offset)|LCP\.(alpha|offset)/);
    }), { numRuns: 60 });
    const after = await reportOf('sketchy');
    expect(after.latencyMs).toEqual(before.latencyMs);
    expect(after.predictions).toBe(before.predictions);
  });

  it('says "out of range" for numbers JSON cannot hold (1e400), wherever they are', async () => {
    const paths = ['"sentAt":', '"predictions":', '"bytes":', '"ms":', '"sampleRate":', '"queue":', '"sum":', '"max":'];
    await fc.assert(fc.asyncProperty(fc.constantFrom(...paths), fc.constantFrom('1e400', '-1e400', '9e999'), async (path, big) => {
      const text = JSON.stringify(makeBatch({ vitals: { LCP: latencySketch([5]) } })).replace(new RegExp(`${path}[0-9.e+-]+`), `${path}${big}`);
      const r = await c.post(text);
      expect(r.status).toBe(400);
      const { error } = await r.json();
      expect(error.message, `${path} ${big}`).toMatch(/out of range/);
      expect(error.message).not.toMatch(/got null/);
    }), { numRuns: 40 });
  });
});
