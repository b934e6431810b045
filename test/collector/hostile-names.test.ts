// Issue 16.1: every name a client chooses is a key somewhere (a row, a map in a stored row,
// a /metrics label, a URL segment). Each Object.prototype property name (and __proto__) is
// sent in each name-bearing field: the collector answers 200 or a JSON 4xx, never a 5xx;
// what it accepted is reported back with the exact count sent (under its own name, or
// under "other" when the name may not be stored, e.g. "__proto__"); nothing reaches
// Object.prototype; /metrics keeps its database-backed gauges.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Batch } from '../../src/protocol/wire-types.js';
import { isStorableName } from '../../src/protocol/name-rules.js';
import { OTHER } from '../../src/collector/name-policy.js';
import { KEY_SHOP, admin, latencySketch, makeBatch, modelAggregate, startTestCollector, type TestCollector } from './helpers.js';

const PROTO_NAMES = Object.getOwnPropertyNames(Object.prototype); // includes '__proto__'
const protoBefore = PROTO_NAMES.map((k) => Object.getOwnPropertyDescriptor(Object.prototype, k));

/** An own property of parsed JSON, read without the __proto__ accessor. */
const own = (o: unknown, k: string): unknown => (o && typeof o === 'object' ? Object.getOwnPropertyDescriptor(o, k)?.value : undefined);

type Report = Record<string, unknown> & { versions: Record<string, unknown>[] };
interface Field {
  /** Name rule of the field: a name that fails it is counted under "other". */
  rule?: 'label';
  /** A batch carrying `name` in this field, with `n` as the count that goes with it. */
  batch(name: string, n: number): Batch;
  /** The count the report shows for `name` (summed over posts), when the report shows this field. */
  read?(c: TestCollector, name: string): Promise<number>;
}

const report = async (c: TestCollector, model: string): Promise<Report> => {
  const r = await admin(`${c.url}/v1/models/${encodeURIComponent(model)}/report`);
  expect(r.status, await r.clone().text()).toBe(200);
  return r.json() as Promise<Report>;
};
const lat = (n: number) => latencySketch(Array.from({ length: n }, (_, i) => 1 + (i % 40)));
const m = (model: string, n: number, over: Parameters<typeof modelAggregate>[0] = {}) =>
  modelAggregate({ model, predictions: n, latency: lat(n), classes: {}, features: {}, ...over });
const load = (model: string, n: number, over: Partial<Batch['loads'][number]> = {}): Batch['loads'][number] =>
  ({ model, version: '1.0.0', variant: 'stable', backend: 'wasm', source: 'network', bytes: 10, ms: 5, fallbacks: [], count: n, ...over });

const FIELDS: Record<string, Field> = {
  model: { batch: (name, n) => makeBatch({ models: [m(name, n)], loads: [] }), read: async (c, name) => (await report(c, name)).predictions as number },
  version: {
    batch: (name, n) => makeBatch({ models: [m('n-version', n, { version: name })], loads: [] }),
    read: async (c, name) => ((await report(c, 'n-version')).versions.find((v) => v.version === name)?.predictions as number) ?? 0,
  },
  class: {
    rule: 'label',
    batch: (name, n) => makeBatch({ models: [m('n-class', n, { classes: { [name]: n } })], loads: [] }),
    read: async (c, name) => own((await report(c, 'n-class')).classes, name) as number,
  },
  feature: {
    batch: (name, n) => makeBatch({ models: [m('digits', n, { features: { [name]: [n, 1], mean: [0, n, 0] } })], loads: [] }),
  },
  importance: {
    rule: 'label',
    batch: (name, n) => makeBatch({ models: [m('n-importance', n, { importance: { [name]: { sum: n, n } } })], loads: [] }),
    read: async (c, name) => {
      const f = ((await report(c, 'n-importance')).versions[0]?.importance as { features: { name: string; n: number }[] }).features.find((x) => x.name === name);
      return f?.n ?? 0;
    },
  },
  confusion: {
    rule: 'label',
    batch: (name, n) => makeBatch({ models: [m('n-confusion', n, { confusion: [[name, name, n]] })], loads: [] }),
    read: async (c, name) => ((await report(c, 'n-confusion')).classification as { perClass: { label: string; support: number }[] }).perClass.find((x) => x.label === name)?.support ?? 0,
  },
  errorCode: { batch: (name, n) => makeBatch({ models: [m('n-error', n, { errors: { [name]: 1 } })], loads: [] }) },
  fallbackReason: { batch: (name, n) => makeBatch({ models: [], loads: [load('n-fallback', n, { fallbacks: [{ backend: 'webgpu', reason: name }] })] }) },
  candidateFallback: { batch: (name, n) => makeBatch({ models: [], loads: [load('n-candidate', n, { candidateFallback: name })] }) },
  loadError: { batch: (name, n) => makeBatch({ models: [], loads: [load('n-load-error', n, { error: name })] }) },
  browser: { batch: (name, n) => makeBatch({ models: [m('n-client', n)], loads: [], client: { browser: name, browserMajor: 1, os: 'linux', device: 'desktop' } }) },
  os: { batch: (name, n) => makeBatch({ models: [m('n-client', n)], loads: [], client: { browser: 'chrome', browserMajor: 1, os: name, device: 'desktop' } }) },
  vitals: { batch: (name) => ({ ...makeBatch(), vitals: JSON.parse(`{${JSON.stringify(name)}: ${JSON.stringify(lat(3))}}`) }) },
  batchField: { batch: (name) => JSON.parse(JSON.stringify(makeBatch()).replace(/^\{/, `{${JSON.stringify(name)}: 1,`)) },
  modelField: { batch: (name) => JSON.parse(JSON.stringify(makeBatch()).replace('"model":"digits"', `${JSON.stringify(name)}: {}, "model":"digits"`)) },
};

let c: TestCollector;
beforeAll(async () => { c = await startTestCollector({ rateLimit: { max: 1_000_000, windowSeconds: 60 } }); });
afterAll(async () => { await c?.close(); });

describe('Object.prototype names in every name-bearing field (#16.1)', () => {
  it('never answers 5xx, reports exact counts, leaves /metrics and Object.prototype intact', async () => {
    // Feedback for digits first: /metrics must still show its accuracy gauge at the end.
    expect((await c.post(makeBatch({ models: [m('digits', 4, { confusion: [['3', '3', 4]] })] }))).status).toBe(200);
    const sent = new Map<string, number>();
    const statuses = new Map<string, Set<number>>();
    for (const [field, f] of Object.entries(FIELDS)) {
      for (const name of PROTO_NAMES) {
        // The count that goes with the name is generated; so is how often it is sent.
        const [n, times] = fc.sample(fc.tuple(fc.integer({ min: 1, max: 500 }), fc.integer({ min: 1, max: 2 })), 1)[0]!;
        for (let i = 0; i < times; i++) {
          const r = await c.post(f.batch(name, n));
          const text = await r.text();
          expect(r.status, `${field}=${name}: ${text}`).toBeLessThan(500);
          expect(r.headers.get('content-type'), text).toMatch(/application\/json/);
          expect(() => JSON.parse(text)).not.toThrow();
          if (!statuses.has(field)) statuses.set(field, new Set());
          statuses.get(field)!.add(r.status);
          const stored = f.rule && !isStorableName(name, f.rule) ? OTHER : name;
          if (r.status === 200) sent.set(`${field}\u0000${stored}`, (sent.get(`${field}\u0000${stored}`) ?? 0) + n);
        }
      }
    }
    // Fields whose names are free-form were accepted (the fix is not a refusal of these names).
    for (const field of ['model', 'version', 'class', 'feature', 'importance', 'confusion', 'fallbackReason', 'candidateFallback']) {
      expect(statuses.get(field), field).toContain(200);
    }
    for (const [field, f] of Object.entries(FIELDS)) {
      if (!f.read) continue;
      for (const name of [...PROTO_NAMES, OTHER]) {
        const want = sent.get(`${field}\u0000${name}`);
        if (want === undefined) continue;
        expect(await f.read(c, name), `${field}=${name}`).toBe(want);
      }
    }
    // Reports hold numbers and names, never a function's source text or NaN from "function…" + 1.
    for (const model of ['digits', 'n-class', 'n-fallback', 'n-candidate', 'n-client', 'n-importance', 'n-version', ...PROTO_NAMES]) {
      const r = await admin(`${c.url}/v1/models/${encodeURIComponent(model)}/report`);
      const text = await r.text();
      expect(r.status === 200 || r.status === 400, `${model}: ${text}`).toBe(true);
      expect(text).not.toMatch(/native code|NaN|\[object /);
    }
    const fallbacks = (await report(c, 'n-fallback')).fallbacks as { count: number }[];
    const fbSent = PROTO_NAMES.reduce((s, name) => s + (sent.get(`fallbackReason\u0000${name}`) ?? 0), 0);
    expect(fallbacks.reduce((s, x) => s + x.count, 0)).toBe(fbSent);
    const cands = (await report(c, 'n-candidate')).candidateFallbacks as Record<string, number>;
    expect(Object.values(cands).reduce((s, x) => s + x, 0)).toBe(PROTO_NAMES.reduce((s, name) => s + (sent.get(`candidateFallback\u0000${name}`) ?? 0), 0));

    const metrics = await (await fetch(`${c.url}/metrics`)).text();
    expect(metrics).toMatch(/inferscope_model_accuracy\{app="shop",model="digits",version="1.0.0"\} 1/);
    expect(metrics).not.toMatch(/native code|\[object /);
    expect(PROTO_NAMES.map((k) => Object.getOwnPropertyDescriptor(Object.prototype, k))).toEqual(protoBefore);
    expect(Object.keys(Object.prototype)).toEqual([]);
    expect((await fetch(`${c.url}/healthz`)).status).toBe(200);
  }, 240_000);

  it('mixes several such names in one batch (generated) without a 5xx or a lost count', async () => {
    const name = fc.constantFrom(...PROTO_NAMES);
    await fc.assert(fc.asyncProperty(fc.uniqueArray(name, { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 100 }), async (names, n) => {
      const classes = Object.fromEntries(names.map((k) => [k, n]));
      const before = await report(c, 'n-mixed').catch(() => null);
      const r = await c.post(makeBatch({ models: [m('n-mixed', n * names.length, { classes, features: Object.fromEntries(names.map((k) => [k, [n]])), importance: Object.fromEntries(names.map((k) => [k, { sum: 1, n }])) })], loads: [] }));
      expect(r.status, await r.clone().text()).toBe(200);
      const after = await report(c, 'n-mixed');
      const stored = (k: string) => (isStorableName(k, 'label') ? k : OTHER);
      const want = new Map<string, number>();
      for (const k of names) want.set(stored(k), (want.get(stored(k)) ?? (own(before?.classes, stored(k)) as number | undefined) ?? 0) + n);
      for (const [k, v] of want) expect(own(after.classes, k), k).toBe(v);
    }), { numRuns: 25 });
  }, 120_000);

  it('answers GET /assets/<name> and /v1/models/<name>/report with JSON, never 5xx', async () => {
    for (const name of [...PROTO_NAMES, 'prototype', '%2e%2e']) {
      const a = await fetch(`${c.url}/assets/${encodeURIComponent(name)}`);
      expect(a.status, name).toBe(404);
      expect((await a.json()).error.code).toBe('NOT_FOUND');
      const q = await admin(`${c.url}/v1/models/digits/report?${encodeURIComponent(name)}=1`);
      expect(q.status, name).toBeLessThan(500);
      const k = await fetch(`${c.url}/v1/batches?key=${encodeURIComponent(name)}`, { method: 'POST', body: JSON.stringify(makeBatch()) });
      expect(k.status, name).toBe(401);
    }
    expect((await c.post(makeBatch(), { key: KEY_SHOP })).status).toBe(200);
  });
});
