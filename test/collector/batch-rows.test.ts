// Issue 16.9: ingest keeps or folds every client-chosen name while it builds a batch's rows
// (aggregate.ts batchRows with name-policy.ts batchNames), in one pass. Before, the policy
// built a normalized copy of the whole batch first and batchToDeltas walked that copy. The one
// pass must store exactly what the two passes stored: the same rows, the same folded counts,
// the same /metrics series, and the same names admitted under the caps, batch after batch.
// The reference below is the former two-pass normalizer (name-policy.ts `apply`), kept here
// as the specification, driven by a second policy with the same manifest and caps.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchRows, batchToDeltas, dict, type BatchSeries, type Dict } from '../../src/collector/aggregate.js';
import { createNamePolicy, NAME_CAPS, type BatchNamer, type NamePolicy } from '../../src/collector/name-policy.js';
import type { Batch, ConfusionCell, LoadRecord, ModelAggregate } from '../../src/protocol/wire-types.js';
import { latencySketch, makeBatch, testManifest } from './helpers.js';

/** The former `apply`: a normalized copy of the batch, names admitted in its order. */
function twoPass(app: string, batch: Batch, names: BatchNamer, now: number): { deltas: ReturnType<typeof batchToDeltas>; series: BatchSeries; folded: Dict<number> | undefined } {
  const counts = (model: string, kind: 'code' | 'class', from: Record<string, number>) => {
    const out = dict<number>();
    for (const k of Object.keys(from)) { const n = names.name(model, kind, k); out[n] = (out[n] ?? 0) + from[k]!; }
    return out;
  };
  const models = batch.models.map((m): ModelAggregate => {
    const model = names.model(m.model);
    const out: ModelAggregate = { ...m, model, version: names.name(model, 'version', m.version), errors: counts(model, 'code', m.errors), classes: counts(model, 'class', m.classes) };
    if (m.features) {
      const f = dict<number[]>();
      for (const k of Object.keys(m.features)) {
        const n = names.name(model, 'feature', k);
        const bins = m.features[k]!;
        const cur = f[n];
        f[n] = cur ? Array.from({ length: Math.max(cur.length, bins.length) }, (_, i) => (cur[i] ?? 0) + (bins[i] ?? 0)) : bins;
      }
      out.features = f;
    }
    if (m.importance) {
      const imp = dict<{ sum: number; n: number }>();
      for (const k of Object.keys(m.importance)) {
        const cur = (imp[names.name(model, 'importance', k)] ??= { sum: 0, n: 0 });
        cur.sum += m.importance[k]!.sum;
        cur.n += m.importance[k]!.n;
      }
      out.importance = imp;
    }
    if (m.confusion) out.confusion = m.confusion.map(([p, a, c]): ConfusionCell => [names.name(model, 'class', p), names.name(model, 'class', a), c]);
    return out;
  });
  const loads = batch.loads.map((l): LoadRecord => {
    const model = names.model(l.model);
    const out: LoadRecord = { ...l, model, version: names.name(model, 'version', l.version), fallbacks: l.fallbacks.map((f) => ({ backend: f.backend, reason: names.reason(model, f.reason) })) };
    if (l.error !== undefined) out.error = names.name(model, 'code', l.error);
    if (l.candidateFallback !== undefined) out.candidateFallback = names.reason(model, l.candidateFallback);
    return out;
  });
  const client = { ...batch.client, browser: names.browser(batch.client.browser), os: names.os(batch.client.os) };
  const normalized: Batch = { ...batch, client, models, loads };
  // Rows from the normalized copy with names as they now are, then the folded counts on page rows.
  const deltas = batchToDeltas(app, normalized, now);
  for (const d of deltas) if (d.key.version === '' && d.key.backend === '') { const f = names.folded(d.key.model); if (f) d.state.folded = f; }
  return { deltas, series: normalized, folded: names.foldedTotal() };
}

// Names a hostile or careless client sends: Object.prototype members, the fold targets
// themselves, manifest names, personal data, and fresh tokens that run past the caps.
const PROTO = Object.getOwnPropertyNames(Object.prototype);
const nameArb = fc.oneof(
  fc.constantFrom(...PROTO),
  fc.constantFrom('other', 'OTHER', 'digits', '1.0.0', 'direct', '3', '7', 'mean', 'a', 'PREDICT_FAILED', 'INTEGRITY'),
  fc.constantFrom('jane.doe@example.com', 'https://x.example/a?token=abc', '10.1.2.3', '4111111111111111', ''),
  fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/),
  fc.stringMatching(/^[A-Z][A-Z_]{0,6}$/),
);
const reasonArb = fc.oneof(nameArb, fc.constantFrom('timed out after 5 s', 'INTEGRITY: sha mismatch', 'NEW_CODE: x', 'navigator.gpu missing', 'user@example.com: denied'));
const countsArb = fc.array(fc.tuple(nameArb, fc.nat(50)), { maxLength: 4 }).map((e) => Object.fromEntries(e));
// Importance sums are whole numbers: the two passes add a model's folded entries in a
// different order, and only whole numbers make float addition order-free (either order is a
// correct merge; the test is about names and counts).
const modelArb = fc.record({
  model: nameArb, version: nameArb, backend: fc.constantFrom('wasm' as const, 'webgl' as const),
  errors: countsArb, classes: countsArb,
  features: fc.array(fc.tuple(nameArb, fc.array(fc.nat(30), { minLength: 1, maxLength: 4 })), { maxLength: 4 }).map((e) => Object.fromEntries(e)),
  importance: fc.array(fc.tuple(nameArb, fc.record({ sum: fc.nat(1000), n: fc.nat(20) })), { maxLength: 3 }).map((e) => Object.fromEntries(e)),
  confusion: fc.array(fc.tuple(nameArb, nameArb, fc.nat(9)), { maxLength: 3 }),
  values: fc.array(fc.double({ min: 0.1, max: 500, noNaN: true }), { minLength: 1, maxLength: 5 }),
}).map(({ values, ...m }): ModelAggregate => {
  const latency = latencySketch(values);
  return { ...m, variant: 'stable', predictions: latency.count, latency, scores: [1, 0, 0, 0, 0, 0, 0, 0, 2, 3] };
});
const loadArb = fc.record({
  model: nameArb, version: nameArb, reasons: fc.array(reasonArb, { maxLength: 3 }),
  error: fc.option(nameArb, { nil: undefined }), candidate: fc.option(reasonArb, { nil: undefined }), count: fc.integer({ min: 1, max: 5 }),
}).map(({ model, version, reasons, error, candidate, count }): LoadRecord => ({
  model, version, variant: 'stable', backend: 'wasm', source: 'network', bytes: 1000, ms: 12, count,
  fallbacks: reasons.map((reason) => ({ backend: 'webgpu' as const, reason })),
  ...(error !== undefined ? { error } : {}), ...(candidate !== undefined ? { candidateFallback: candidate } : {}),
}));
const batchArb = fc.record({
  models: fc.array(modelArb, { maxLength: 3 }), loads: fc.array(loadArb, { maxLength: 2 }),
  rate: fc.constantFrom(1, 0.5, 0.3, 0.01), browser: nameArb, os: nameArb,
}).map(({ models, loads, rate, browser, os }) => makeBatch({ models, loads, sampleRate: rate, client: { browser, browserMajor: 120, os, device: 'desktop' } }));

// Small caps so that a run of batches crosses them.
const CAPS = Object.freeze({ ...NAME_CAPS, model: 3, version: 2, feature: 3, class: 3, importance: 2, code: 2 });
const policy = async (): Promise<NamePolicy> => {
  const p = createNamePolicy({ manifest: async () => testManifest(), caps: CAPS, now: () => 0 });
  await p.refresh();
  return p;
};
// Compare as stored: JSON text (null-prototype maps and plain objects serialize alike).
const stored = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;

describe('one-pass names and rows (#16.9)', () => {
  it('stores the same rows, folded counts, /metrics series and admitted names as the former two passes, batch after batch', async () => {
    await fc.assert(fc.asyncProperty(fc.array(batchArb, { minLength: 1, maxLength: 6 }), async (batches) => {
      const onePass = await policy();
      const reference = await policy();
      const now = Date.now();
      for (const batch of batches) {
        const names = onePass.batchNames('shop');
        const got = batchRows('shop', batch, now, names);
        const want = twoPass('shop', batch, reference.batchNames('shop'), now);
        expect(stored(got.deltas)).toEqual(stored(want.deltas));
        expect(stored(got.series.models)).toEqual(stored(want.series.models.map(({ model, version, backend, predictions, errors, latency }) => ({ model, version, backend, predictions, errors, latency }))));
        expect(stored(got.series.loads)).toEqual(stored(want.series.loads.map(({ model, version, backend, source, ms, count }) => ({ model, version, backend, source, ms, count }))));
        expect(stored(names.foldedTotal() ?? {})).toEqual(stored(want.folded ?? {}));
      }
    }), { numRuns: 300 });
  });

  it('never stores a personal or prototype name from any field, and the batch itself is left as sent', async () => {
    const p = await policy();
    const hostile = ['jane.doe@example.com', 'https://x.example/a?token=abc', '__proto__', 'constructor', 'toString'];
    const batch = makeBatch({
      models: hostile.map((h, i) => ({
        model: h, version: h, backend: 'wasm', variant: 'stable', predictions: 1, latency: latencySketch([i + 1]), scores: [1, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        errors: Object.fromEntries([[h, 1]]), classes: Object.fromEntries([[h, 1]]), features: Object.fromEntries([[h, [1]]]),
        importance: Object.fromEntries([[h, { sum: 1, n: 1 }]]), confusion: [[h, h, 1]],
      })),
      loads: hostile.map((h) => ({ model: h, version: h, variant: 'stable', backend: 'wasm', source: 'cache', bytes: 1, ms: 1, count: 1, error: h, candidateFallback: h, fallbacks: [{ backend: 'webgl', reason: h }] })),
    });
    const before = JSON.stringify(batch);
    const { deltas, series } = batchRows('shop', batch, Date.now(), p.batchNames('shop'));
    const text = JSON.stringify([deltas, series]);
    for (const h of ['jane.doe@example.com', 'token=abc']) expect(text).not.toContain(h);
    expect(JSON.stringify(batch)).toBe(before);
  });
});
