// Issue 16.8: free text a client chooses is not stored. Generated e-mail addresses, URLs with
// tokens, IP addresses and long digit strings go into every string field of a batch (one field
// per request, and all at once); afterwards the SQLite files (main database and WAL) and
// /metrics are scanned: none of them is there. Manifest names and plain names still are.
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Batch } from '../../src/protocol/wire-types.js';
import { secret, type Secret } from './secrets.js';
import { admin, latencySketch, makeBatch, modelAggregate, startTestCollector, type TestCollector } from './helpers.js';

// Every string field of a batch, as a setter.
const FIELDS: Record<string, (b: Batch, s: string) => void> = {
  model: (b, s) => { b.models[0]!.model = s; },
  version: (b, s) => { b.models[0]!.version = s; },
  classKey: (b, s) => { b.models[0]!.classes = { [s]: 3 }; },
  featureKey: (b, s) => { b.models[0]!.features = { [s]: [1, 2], mean: [1, 1, 1] }; },
  importanceKey: (b, s) => { b.models[0]!.importance = { [s]: { sum: 1, n: 1 } }; },
  confusion: (b, s) => { b.models[0]!.confusion = [[s, '3', 1], ['7', s, 1]]; },
  errorKey: (b, s) => { b.models[0]!.errors = { [s]: 1, [`E${s.replace(/[^0-9]/g, '')}`]: 1 }; },
  loadModel: (b, s) => { b.loads[0]!.model = s; },
  loadVersion: (b, s) => { b.loads[0]!.version = s; },
  reason: (b, s) => { b.loads[0]!.fallbacks = [{ backend: 'webgpu', reason: s }, { backend: 'webgl', reason: `INTEGRITY: ${s}` }]; },
  candidateFallback: (b, s) => { b.loads[0]!.candidateFallback = `NETWORK: fetch ${s} failed`; },
  loadError: (b, s) => { b.loads[0]!.error = s; },
  sdk: (b, s) => { b.sdk = s; },
  batchId: (b, s) => { b.batchId = s.replace(/[^A-Za-z0-9_-]/g, '_').padEnd(16, '0').slice(0, 64); },
  browser: (b, s) => { b.client.browser = s; },
  os: (b, s) => { b.client.os = s; },
  installHash: (b, s) => { b.client.installHash = s; },
};

let c: TestCollector;
beforeAll(async () => { c = await startTestCollector({ rateLimit: { max: 1_000_000, windowSeconds: 60 } }); });
afterAll(async () => { await c?.close(); });

describe('what the collector stores (#16.8)', () => {
  it('stores no e-mail, URL token, IP or long digit string from any field', async () => {
    const needles: string[] = [];
    let accepted = 0;
    const post = async (b: Batch) => {
      const r = await c.post(b);
      expect(r.status, await r.clone().text()).toBeLessThan(500);
      if (r.status === 200) accepted++;
    };
    // One field per request (so the rest of the batch is valid and stored), then all at once.
    await fc.assert(fc.asyncProperty(fc.constantFrom(...Object.keys(FIELDS)), secret, async (field, s: Secret) => {
      needles.push(s.needle);
      const b = makeBatch({ vitals: { LCP: latencySketch([900]) }, models: [modelAggregate({ confusion: [['3', '7', 1]] })] });
      FIELDS[field]!(b, s.text);
      await post(b);
    }), { numRuns: 250 });
    await fc.assert(fc.asyncProperty(fc.array(secret, { minLength: Object.keys(FIELDS).length, maxLength: Object.keys(FIELDS).length }), async (ss) => {
      const b = makeBatch();
      Object.values(FIELDS).forEach((set, i) => { needles.push(ss[i]!.needle); set(b, ss[i]!.text); });
      await post(b);
    }), { numRuns: 20 });
    expect(accepted).toBeGreaterThan(100); // most fields are kept or folded, not refused

    const metrics = await (await fetch(`${c.url}/metrics`)).text();
    const files = readdirSync(c.dir).filter((f) => f.startsWith('c.sqlite'));
    expect(files).toEqual(expect.arrayContaining(['c.sqlite', 'c.sqlite-wal']));
    const texts = [metrics, ...files.map((f) => readFileSync(join(c.dir, f)).toString('latin1'))];
    expect(texts.join('\n')).toContain('digits'); // the scan sees real data
    for (const needle of needles) for (const t of texts) expect(t.includes(needle), needle).toBe(false);
    // What was sent is counted under "other" / codes, not lost.
    const rep = await (await admin(`${c.url}/v1/models/digits/report`)).json();
    expect(rep.coverage.foldedNames.class).toBeGreaterThan(0);
    expect(rep.fallbacks.map((f: { reason: string }) => f.reason)).toEqual(expect.arrayContaining(['INTEGRITY']));
    for (const f of rep.fallbacks) expect(f.reason).toMatch(/^[A-Z][A-Z0-9_]*$/);
  }, 120_000);
});
