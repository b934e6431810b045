// GET /v1/models/:id/report on real traffic: drift against the manifest baseline (only
// above the minimum sample count), accuracy from feedback, variants side by side, vitals,
// load/cache, backend mix, coverage with sampling.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driftMinSamples } from '../../src/protocol/drift.js';
import { admin, latencySketch, makeBatch, modelAggregate, startTestCollector, type TestCollector } from './helpers.js';

let c: TestCollector;
beforeAll(async () => { c = await startTestCollector(); });
afterAll(async () => { await c?.close(); });

const get = async (q: string) => { const r = await admin(`${c.url}/v1/models/digits/report?${q}`); expect(r.status).toBe(200); return r.json(); };

describe('model report', () => {
  it('reports drift only above the minimum sample count, then flags a shifted feature', async () => {
    // 100 samples in the baseline's proportions: too few to judge.
    await c.post(makeBatch({ models: [modelAggregate({ features: { mean: [25, 50, 25] }, classes: { '3': 60, '7': 40 } })] }));
    let rep = await get('');
    const v = rep.versions.find((x: { version: string }) => x.version === '1.0.0');
    expect(v.drift.baseline).toBe(true);
    expect(v.drift.features[0]).toMatchObject({ name: 'mean', long: { level: 'insufficient', psi: null, n: 100, minSamples: driftMinSamples(3) } });

    // Enough samples, all piled in the top bin: significant drift, short and long window.
    await c.post(makeBatch({ models: [modelAggregate({ features: { mean: [0, 100, 900] }, classes: { '3': 100, '7': 900 } })] }));
    rep = await get('');
    const d = rep.versions.find((x: { version: string }) => x.version === '1.0.0').drift;
    expect(d.features[0].long.level).toBe('significant');
    expect(d.features[0].long.psi).toBeGreaterThan(0.25);
    expect(d.features[0].long.js).toBeGreaterThan(0.3);
    expect(d.features[0].short.psi).toBeGreaterThan(0.25);
    expect(d.prediction.long.level).toBe('significant');
    // The short window can exclude old data: ask for a window that ended before it.
    const old = await get(`from=${Date.now() - 7200_000}&to=${Date.now() - 3600_000}`);
    expect(old.predictions).toBe(0);
  });

  it('accepts out-of-range counts per feature (#17.7) and reports their sum per version', async () => {
    for (const n of [3, 4]) expect((await c.post(makeBatch({ models: [modelAggregate({ model: 'ranges', outOfRange: { mean: n, other: 1 } })], loads: [] }))).status).toBe(200);
    const rep = await (await admin(`${c.url}/v1/models/ranges/report`)).json();
    expect(rep.versions[0].outOfRange).toEqual({ mean: 7, other: 2 });
    const bad = await c.post(makeBatch({ models: [modelAggregate({ outOfRange: { mean: -1 } })] }));
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toContain('outOfRange');
  });

  it('computes accuracy, precision, recall and F1 per class from feedback', async () => {
    await c.post(makeBatch({ models: [modelAggregate({ model: 'cls', confusion: [['cat', 'cat', 8], ['cat', 'dog', 2], ['dog', 'dog', 9], ['dog', 'cat', 1]] })], loads: [] }));
    const rep = await (await admin(`${c.url}/v1/models/cls/report`)).json();
    expect(rep.classification.n).toBe(20);
    expect(rep.classification.accuracy).toBeCloseTo(17 / 20, 12);
    const cat = rep.classification.perClass.find((x: { label: string }) => x.label === 'cat');
    expect(cat.precision).toBeCloseTo(8 / 10, 12);
    expect(cat.recall).toBeCloseTo(8 / 9, 12);
    expect(cat.f1).toBeCloseTo((2 * 0.8 * (8 / 9)) / (0.8 + 8 / 9), 12);
    expect(rep.classification.macro.f1).toBeGreaterThan(0.8);
    // No baseline for this model: drift says why instead of a number.
    expect(rep.versions[0].drift).toMatchObject({ baseline: false, reason: expect.stringContaining('not in the manifest') });
  });

  it('puts rollout variants side by side and scales sampled counts', async () => {
    const slow = latencySketch(Array.from({ length: 10 }, () => 80));
    await c.post(makeBatch({
      sampleRate: 0.5,
      models: [modelAggregate({ model: 'roll', version: '2.0.0', variant: 'candidate', predictions: 10, latency: slow, errors: { PREDICT_FAILED: 2 }, confusion: [['a', 'b', 3]] }),
        modelAggregate({ model: 'roll', version: '1.0.0', variant: 'stable', confusion: [['a', 'a', 3]] })],
      loads: [{ model: 'roll', version: '2.0.0', variant: 'candidate', backend: 'webgl', source: 'cache', bytes: 1000, ms: 12, fallbacks: [], count: 3 },
        { model: 'roll', version: '1.0.0', variant: 'stable', backend: 'wasm', source: 'network', bytes: 1000, ms: 400, fallbacks: [{ backend: 'webgpu', reason: 'adapter unavailable' }], count: 1 }],
      vitals: { LCP: latencySketch([1200, 1800, 2500]), CLS: latencySketch([0.05]) },
      dropped: { queue: 4, outbox: 1 },
    }));
    const rep = await (await admin(`${c.url}/v1/models/roll/report`)).json();
    const cand = rep.variants.find((v: { variant: string }) => v.variant === 'candidate');
    const stable = rep.variants.find((v: { variant: string }) => v.variant === 'stable');
    expect(cand).toMatchObject({ versions: ['2.0.0'], predictions: 20, sampled: 10, errors: 4, accuracy: 0 });
    expect(stable).toMatchObject({ versions: ['1.0.0'], predictions: 40, sampled: 20, accuracy: 1 });
    expect(cand.latencyMs.p50).toBeGreaterThan(stable.latencyMs.p99);
    expect(rep.coverage).toMatchObject({ counted: 60, sampled: 30, sampleRate: 0.5, dropped: { queue: 4, outbox: 1 }, batches: 1 });
    expect(rep.load).toMatchObject({ count: 4, cacheHitRatio: 0.75 });
    // Free-text reasons are stored as codes (name-policy.ts).
    expect(rep.fallbacks).toEqual([{ backend: 'webgpu', reason: 'UNAVAILABLE', count: 1 }]);
    expect(rep.backends).toEqual({ wasm: 60, webgl: 0 });
    expect(rep.vitals.LCP.p50).toBeGreaterThan(1700);
    expect(rep.vitals.LCP.p50).toBeLessThan(1850);
    // Filters narrow to one version (page-level facts stay).
    const only = await (await admin(`${c.url}/v1/models/roll/report?version=2.0.0`)).json();
    expect(only.predictions).toBe(20);
    expect(only.versions.map((v: { version: string }) => v.version)).toEqual(['2.0.0']);
  });

  it('refuses bad report parameters with a 400 naming them', async () => {
    const r = await admin(`${c.url}/v1/models/digits/report?from=tomorrow`);
    expect(r.status).toBe(400);
    expect((await r.json()).error.field).toBe('from');
    const r2 = await admin(`${c.url}/v1/models/digits/report?from=2000&to=1000`);
    expect((await r2.json()).error.message).toMatch(/before/);
  });
});
