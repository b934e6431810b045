// Issue 16.5: a client inventing names cannot grow rows, reports or /metrics without bound.
// Per model, names the manifest lists are kept; beyond NAME_CAPS other names fold into
// "other", counted in the report (coverage.foldedNames) and on /metrics
// (inferscope_names_folded_total). Counts are conserved: what folds is added to "other".
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NAME_CAPS, OTHER, OTHER_CODE } from '../../src/collector/name-policy.js';
import { admin, latencySketch, makeBatch, modelAggregate, startTestCollector, type TestCollector } from './helpers.js';

let c: TestCollector;
beforeAll(async () => { c = await startTestCollector({ rateLimit: { max: 1_000_000, windowSeconds: 60 } }); });
afterAll(async () => { await c?.close(); });

const report = async (model: string) => {
  const r = await admin(`${c.url}/v1/models/${model}/report`);
  expect(r.status).toBe(200);
  return r.json();
};
// Storable invented names: lower-case letters, never a manifest name.
const invented = fc.stringMatching(/^[a-z]{3,12}$/).map((s) => `zz${s}`);

describe('cardinality caps per model (#16.5)', () => {
  it('folds invented classes, features, importance names, codes and versions beyond the cap into "other"', async () => {
    const sent = { classes: 0, batches: 0 };
    await fc.assert(fc.asyncProperty(fc.uniqueArray(invented, { minLength: 20, maxLength: 60 }), fc.integer({ min: 1, max: 9 }), async (names, n) => {
      const codes = names.slice(0, 10).map((s) => s.toUpperCase());
      const r = await c.post(makeBatch({
        models: [modelAggregate({
          model: 'digits', version: names[0]!, classes: Object.fromEntries(names.map((k) => [k, n])), errors: Object.fromEntries(codes.map((k) => [k, 1])),
          features: { ...Object.fromEntries(names.map((k) => [k, [n, n]])), mean: [n, n, n] }, importance: Object.fromEntries(names.map((k) => [k, { sum: n, n }])),
        }), modelAggregate({ model: 'digits', version: '1.0.0', classes: { 3: n, 7: n } })],
        loads: [],
      }));
      expect(r.status, await r.clone().text()).toBe(200);
      sent.classes += n * names.length + 2 * n;
      sent.batches++;
    }), { numRuns: 25 });

    const rep = await report('digits');
    const classNames = Object.keys(rep.classes);
    // Listed labels ('3', '7') always kept; invented ones at most the cap, the rest under "other".
    expect(rep.classes['3']).toBeGreaterThan(0);
    expect(rep.classes['7']).toBeGreaterThan(0);
    expect(classNames.filter((k) => k !== '3' && k !== '7' && k !== OTHER).length).toBeLessThanOrEqual(NAME_CAPS.class);
    expect(rep.classes[OTHER]).toBeGreaterThan(0);
    expect(Object.values(rep.classes as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(sent.classes);
    expect(rep.versions.length).toBeLessThanOrEqual(NAME_CAPS.version + 2); // + 1.0.0 + other
    expect(rep.versions.map((v: { version: string }) => v.version)).toEqual(expect.arrayContaining(['1.0.0', OTHER]));
    expect(Object.keys(rep.errorsByCode).filter((k) => k !== OTHER_CODE).length).toBeLessThanOrEqual(NAME_CAPS.code);
    const imp = rep.versions.flatMap((v: { importance: { features: { name: string }[] } }) => v.importance.features.map((f) => f.name));
    expect(new Set(imp).size).toBeLessThanOrEqual(NAME_CAPS.importance + 1);
    expect(rep.coverage.foldedNames.class).toBeGreaterThan(0);
    expect(rep.coverage.foldedNames.feature).toBeGreaterThan(0);
    expect(rep.coverage.foldedNames.importance).toBeGreaterThan(0);
    expect(rep.coverage.foldedNames.version).toBeGreaterThan(0);
    // The baseline feature keeps working for drift after the flood.
    const v1 = rep.versions.find((v: { version: string }) => v.version === '1.0.0');
    expect(v1.drift.features[0].name).toBe('mean');

    const metrics = await (await fetch(`${c.url}/metrics`)).text();
    expect(metrics).toMatch(/inferscope_names_folded_total\{app="shop",kind="class"\} [1-9]/);
    const series = metrics.split('\n').filter((l) => l.startsWith('inferscope_') && l.includes('model="digits"'));
    // Versions capped (storage cap and the /metrics label cap), codes capped: bounded series.
    expect(series.length).toBeLessThan(1500);
  }, 120_000);

  it('caps invented model ids per app; listed and already admitted ids keep working', async () => {
    const ids = fc.sample(invented, 80).filter((v, i, a) => a.indexOf(v) === i);
    for (const id of ids) expect((await c.post(makeBatch({ models: [modelAggregate({ model: id, latency: latencySketch([3]), predictions: 1 })], loads: [] }))).status).toBe(200);
    const list = await (await admin(`${c.url}/v1/models`)).json();
    const stored = new Set(list.models.map((m: { model: string }) => m.model));
    expect([...stored].filter((m) => String(m).startsWith('zz')).length).toBeLessThanOrEqual(NAME_CAPS.model);
    expect(stored.has(OTHER)).toBe(true);
    expect((await report(OTHER)).predictions).toBeGreaterThanOrEqual(ids.length - NAME_CAPS.model);
    expect((await report('digits')).predictions).toBeGreaterThan(0);
  });
});
