import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { createRecorder } from '../../src/sdk/telemetry/recorder.js';
import { buildBatch } from '../../src/sdk/telemetry/batch.js';
import { validateBatch } from '../../src/protocol/wire.js';
import { Sketch } from '../../src/protocol/sketch.js';
import type { PredictionEvent } from '../../src/sdk/telemetry/types.js';
import type { FeatureBaseline } from '../../src/protocol/manifest-types.js';

const base = { model: 'digits', version: '1.0.0', backend: 'wasm', variant: 'stable' } as const;
const labels = ['zero', 'one', 'two'];
const ev = (i: number, extra: Partial<PredictionEvent> = {}): PredictionEvent => ({
  ...base, id: `p${i}`, ms: 1 + (i % 10) / 10, top: [{ index: i % 3, label: labels[i % 3], score: ((i % 10) + 0.5) / 10 }], ...extra,
});
const ctx = { client: { browser: 'node', browserMajor: 20, os: 'linux', device: 'server' as const }, sampleRate: 1, dropped: { queue: 0, outbox: 0 }, now: 1 };

describe('recorder aggregation', () => {
  test('counts, latency sketch, score histogram and classes per (model, version, backend, variant)', () => {
    const r = createRecorder();
    for (let i = 0; i < 300; i++) r.recordPrediction(ev(i));
    r.recordPrediction(ev(1000, { backend: 'webgl' }));
    r.recordPrediction({ ...ev(1001), error: 'PREDICT_FAILED', top: undefined });
    const snap = r.take()!;
    expect(snap.models).toHaveLength(2);
    const wasm = snap.models.find((m) => m.backend === 'wasm')!;
    expect(wasm.predictions).toBe(300);
    expect(wasm.errors).toEqual({ PREDICT_FAILED: 1 });
    expect(wasm.classes).toEqual({ zero: 100, one: 100, two: 100 });
    expect(wasm.scores).toEqual(new Array(10).fill(30));
    const lat = Sketch.fromJSON(wasm.latency);
    expect(lat.count).toBe(300);
    expect(Math.abs(lat.quantile(0.5) - 1.4) / 1.4).toBeLessThanOrEqual(0.01);
    expect(snap.models.find((m) => m.backend === 'webgl')!.predictions).toBe(1);
    expect(r.take()).toBeNull(); // the window was reset
  });

  test('batched predictions count one per example; latency once per call', () => {
    const r = createRecorder();
    r.recordPrediction({ ...base, id: 'b', ms: 5, top: [{ index: 0, score: 0.9 }, { index: 2, score: 0.2 }] });
    const m = r.take()!.models[0]!;
    expect(m.predictions).toBe(2);
    expect(m.classes).toEqual({ 0: 1, 2: 1 });
    expect(m.latency.count).toBe(1);
  });

  test('inputs are binned on device against the baseline edges; only counts leave', () => {
    const features: FeatureBaseline[] = [
      { name: 'age', index: 0, edges: [18, 40, 65], expected: [0.1, 0.4, 0.3, 0.2] },
      { name: 'income', index: 1, edges: [1000, 5000], expected: [0.3, 0.4, 0.3] },
    ];
    const r = createRecorder();
    const rows = [[10, 500], [30, 2000], [70, 9000], [45, NaN]];
    for (const [i, row] of rows.entries()) {
      r.recordPrediction(ev(i, { baseline: { features }, inputs: () => [Float32Array.from(row)] }));
    }
    const m = r.take()!.models[0]!;
    expect(m.features).toEqual({ age: [1, 1, 1, 1], income: [1, 1, 1] }); // NaN has no bin
  });

  test('sampleRate drops predictions at that rate and inputs() of sampled-out ones is never read', () => {
    let draw = 0;
    const r = createRecorder({ sampleRate: 0.25, random: () => (draw++ % 4) / 4 });
    let reads = 0;
    for (let i = 0; i < 400; i++) r.recordPrediction(ev(i, { baseline: { features: [{ name: 'x', index: 0, edges: [0], expected: [0.5, 0.5] }] }, inputs: () => { reads++; return [new Float32Array([1])]; } }));
    expect(r.take()!.models[0]!.predictions).toBe(100);
    expect(reads).toBe(100);
  });

  test('feedback joins a label to its prediction once; unknown and expired ids answer false', () => {
    let t = 0;
    const r = createRecorder({ now: () => t, feedback: { ttlMs: 1000, maxEntries: 3 } });
    for (let i = 0; i < 5; i++) r.recordPrediction(ev(i));
    expect(r.feedback('p0', 'zero')).toBe(false); // evicted: only the 3 newest are kept
    expect(r.feedback('p2', 'two')).toBe(true);
    expect(r.feedback('p2', 'two')).toBe(false); // a label counts once
    expect(r.feedback('p3', 'one')).toBe(true); // predicted 'zero', actual 'one'
    r.take();
    t = 5000;
    expect(r.feedback('p4', 'one')).toBe(false); // expired
    r.recordPrediction(ev(7));
    r.take();
    expect(r.feedback('p7', 'one')).toBe(true); // label arrives after its window was sent
    const later = r.take()!.models[0]!;
    expect(later.predictions).toBe(0);
    expect(later.confusion).toEqual([['one', 'one', 1]]);
  });

  test('confusion cells predicted x actual', () => {
    const r = createRecorder();
    for (let i = 0; i < 6; i++) r.recordPrediction(ev(i));
    r.feedback('p0', 'zero'); r.feedback('p3', 'zero'); r.feedback('p1', 'two');
    expect(r.take()!.models[0]!.confusion).toEqual([['zero', 'zero', 2], ['one', 'two', 1]]);
  });

  test('inputs outside the training range are counted per feature (#17.7); the values never leave', () => {
    const features: FeatureBaseline[] = [
      { name: 'age', index: 0, edges: [18, 40, 65], expected: [0.1, 0.4, 0.3, 0.2] },
      { name: 'income', index: 1, edges: [1000.5, 5000.25], expected: [0.3, 0.4, 0.3] },
      { name: 'ink', summary: 'mean', edges: [0.1, 0.2], expected: [0.3, 0.4, 0.3] },
    ];
    const value = fc.oneof(fc.double({ min: -1e12, max: 1e12, noNaN: true }), fc.constantFrom(18, 65, 1000.5, 5000.25, Number.NaN, Infinity, -Infinity));
    fc.assert(fc.property(fc.array(fc.tuple(value, value), { minLength: 1, maxLength: 40 }), (rows) => {
      const r = createRecorder();
      for (const [i, row] of rows.entries()) r.recordPrediction(ev(i, { baseline: { features: features.slice(0, 2) }, inputs: () => [Float32Array.from(row)] }));
      const m = r.take()!.models[0]!;
      const outside = (v: number, lo: number, hi: number) => Math.fround(v) < Math.fround(lo) || Math.fround(v) > Math.fround(hi);
      const want: Record<string, number> = {};
      for (const [a, b] of rows) {
        if (outside(a, 18, 65)) want.age = (want.age ?? 0) + 1;
        if (outside(b, 1000.5, 5000.25)) want.income = (want.income ?? 0) + 1;
      }
      expect(m.outOfRange ?? {}).toEqual(want);
      const batch = buildBatch({ models: [m], loads: [], window: { start: 0, end: 1 }, dropped: 0 }, ctx);
      expect(validateBatch(batch).ok).toBe(true);
      expect(validateBatch(buildBatch({ models: [m], loads: [], window: { start: 0, end: 1 }, dropped: 0 }, { ...ctx, epsilon: 1 })).ok).toBe(true);
    }), { numRuns: 200 });
  });

  test('a fallback reason that quotes a URL leaves the device without it', () => {
    const r = createRecorder();
    r.recordLoad({ ...base, source: 'network', bytes: 1, ms: 1, fallbacks: [{ backend: 'wasm', reason: 'ASSET_INVALID: WASM file https://shop.example/app/tfjs-backend-wasm-simd.wasm?u=42 answered HTTP 404' }] });
    expect(r.take()!.loads[0]!.fallbacks[0]!.reason).toBe('ASSET_INVALID: WASM file <url> answered HTTP 404');
  });

  test('loads fold identical records (ms averaged), cache counts add up', () => {
    const r = createRecorder();
    const load = { ...base, backend: 'wasm' as const, source: 'cache' as const, bytes: 1234, fallbacks: [{ backend: 'webgpu' as const, reason: 'no adapter' }] };
    r.recordLoad({ ...load, ms: 10 });
    r.recordLoad({ ...load, ms: 30 });
    r.recordLoad({ ...load, source: 'network', ms: 200 });
    r.recordCache('hit', 3); r.recordCache('miss');
    const s = r.take()!;
    expect(s.loads).toEqual([{ ...load, ms: 20, count: 2 }, { ...load, source: 'network', ms: 200, count: 1 }]);
    expect(s.cache).toEqual({ hit: 3, miss: 1, evicted: 0, unavailable: 0, integrityFailures: 0 });
  });

  test('vitals: a metric id counts once even when re-reported as it grows', () => {
    const r = createRecorder();
    r.recordVital('CLS', 'v1', 0.05);
    r.recordVital('CLS', 'v1', 0.12);
    r.recordVital('LCP', 'v2', 1800);
    const s = r.take()!;
    expect(s.vitals!.CLS!.count).toBe(1);
    expect(s.vitals!.CLS!.max).toBe(0.12);
    r.recordVital('CLS', 'v1', 0.2);
    expect(r.take()).toBeNull();
  });

  test('hostile labels and error codes cannot make the batch invalid; hooks never throw', () => {
    const r = createRecorder();
    r.recordPrediction(ev(0, { top: [{ index: 0, label: '__proto__', score: 2 }] }));
    r.recordPrediction(ev(1, { top: [{ index: 1, label: '', score: NaN }] }));
    r.recordPrediction({ ...ev(2), error: 'not a code' });
    expect(() => r.recordPrediction(ev(3, { baseline: { features: [{ name: 'x', summary: 'mean', edges: [0], expected: [1, 0] }] }, inputs: () => { throw new Error('tensor disposed'); } }))).not.toThrow();
    r.feedback('p0', 'constructor');
    const b = buildBatch(r.take()!, ctx);
    const v = validateBatch(JSON.parse(JSON.stringify(b)));
    expect(v).toEqual({ ok: true, batch: expect.anything() });
  });

  test('batches built from a busy window pass the collector validator, with and without DP noise', () => {
    const r = createRecorder();
    for (let i = 0; i < 1000; i++) r.recordPrediction(ev(i));
    r.feedback('p1', 'one');
    const snap = r.take()!;
    const plain = buildBatch(snap, ctx);
    expect(validateBatch(JSON.parse(JSON.stringify(plain))).ok).toBe(true);
    const noisy = buildBatch(snap, { ...ctx, epsilon: 1 });
    expect(validateBatch(JSON.parse(JSON.stringify(noisy)))).toMatchObject({ ok: true });
    expect(noisy.dp).toEqual({ epsilon: 1 });
    expect(noisy.batchId).not.toBe(plain.batchId);
    expect(plain.batchId).toMatch(/^[0-9a-f]{32}$/);
  });
});
