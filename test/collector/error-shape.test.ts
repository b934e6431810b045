// Issue 16.3: every refusal is small, shaped { error: { code, message } } and JSON, including
// the ones Fastify and Node's HTTP parser answer before any route runs; one model-id limit for
// ingest and report; report query parameters validated the same on SQLite and PostgreSQL.
import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_ID_MAX } from '../../src/protocol/name-rules.js';
import { startPostgres, type TestPostgres } from '../support/postgres.js';
import { rawExchange } from '../support/raw-http.js';
import { admin, makeBatch, modelAggregate, startTestCollector, type TestCollector } from './helpers.js';

let c: TestCollector;
let pg: TestPostgres;
let cpg: TestCollector;
beforeAll(async () => {
  [c, pg] = await Promise.all([startTestCollector({ rateLimit: { max: 1_000_000, windowSeconds: 60 } }), startPostgres()]);
  cpg = await startTestCollector({ postgres: pg.url, rateLimit: { max: 1_000_000, windowSeconds: 60 } });
}, 120_000);
afterAll(async () => { await c?.close(); await cpg?.close(); await pg?.stop(); });

function expectShaped(status: number, text: string, want: number | ((s: number) => boolean)): { code: string; message: string } {
  if (typeof want === 'number') expect(status, text).toBe(want);
  else expect(want(status), `${status} ${text}`).toBe(true);
  const j = JSON.parse(text) as { error: { code: string; message: string } };
  expect(Object.keys(j)).toEqual(['error']);
  expect(typeof j.error.code).toBe('string');
  expect(j.error.code).toMatch(/^[A-Z_]+$/);
  expect(typeof j.error.message).toBe('string');
  return j.error;
}

const raw = (url: string, request: string) => rawExchange(url, request);

describe('error bodies (#16.3)', () => {
  it('never echo more than a short excerpt of the input, whatever field holds the long value', async () => {
    const fields = ['model', 'version', 'backend', 'variant', 'sdk', 'batchId', 'extraKey', 'classKey', 'errorKey', 'reason', 'browser'];
    await fc.assert(fc.asyncProperty(fc.constantFrom(...fields), fc.integer({ min: 201, max: 200_000 }), fc.constantFrom('x', '@', '9', 'é'), async (field, len, ch) => {
      const long = ch.repeat(len);
      const b = makeBatch() as unknown as Record<string, unknown> & { models: Record<string, unknown>[]; loads: { fallbacks: { reason: string }[] }[] };
      const m = b.models[0]!;
      if (field === 'model' || field === 'version' || field === 'backend' || field === 'variant') m[field] = long;
      else if (field === 'sdk' || field === 'batchId') b[field] = long;
      else if (field === 'extraKey') b[long] = 1;
      else if (field === 'classKey') m.classes = { [long]: 1 };
      else if (field === 'errorKey') m.errors = { [long]: 1 };
      else if (field === 'reason') b.loads[0]!.fallbacks[0]!.reason = long;
      else (b.client as Record<string, unknown>).browser = long;
      const r = await c.post(gzipSync(JSON.stringify(b)), { headers: { 'content-encoding': 'gzip' } });
      const text = await r.text();
      expectShaped(r.status, text, (s) => s === 400 || s === 413);
      expect(text.length, field).toBeLessThan(700);
    }), { numRuns: 40 });
  });

  it('refuse nesting deeper than the limit with a clear message, not a stack overflow', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 17, max: 200_000 }), fc.constantFrom('[', '{"a":'), async (depth, open) => {
      const close = open === '[' ? ']' : '}';
      const r = await c.post(open.repeat(depth) + '1' + close.repeat(depth));
      const e = expectShaped(r.status, await r.text(), (s) => s === 400 || s === 413);
      if (r.status === 400) expect(e.message).toMatch(/deeper than 16 levels/);
    }), { numRuns: 25 });
    expect((await c.post(makeBatch({ models: [modelAggregate({ confusion: [['3', '7', 1]] })] }))).status).toBe(200);
  });

  it("shape Fastify's and Node's own refusals: bad escapes, 414, malformed requests, 431, 404", async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom('%', '%zz', '%e0%a4', '%ff', '%C0%AF', '%g1'), async (bad) => {
      const r = await admin(`${c.url}/v1/models/a${bad}b/report`);
      expectShaped(r.status, await r.text(), 400);
    }), { numRuns: 10 });
    const longParam = await admin(`${c.url}/v1/models/${'m'.repeat(300)}/report`);
    expect(expectShaped(longParam.status, await longParam.text(), 414).code).toBe('URI_TOO_LONG');
    const malformed = await raw(c.url, 'GARBAGE / HTTP/1.1\r\nHost: x\r\n\r\n');
    expectShaped(malformed.status, malformed.body, 400);
    expect(malformed.type).toMatch(/application\/json/);
    const badHeader = await raw(c.url, 'GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n');
    expectShaped(badHeader.status, badHeader.body, 400);
    const huge = await raw(c.url, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(expectShaped(huge.status, huge.body, 431).code).toBe('HEADERS_TOO_LARGE');
    const missing = await fetch(`${c.url}/no/such/${'p'.repeat(5000)}`);
    const text = await missing.text();
    expectShaped(missing.status, text, 404);
    expect(text.length).toBeLessThan(400);
  });

  it('use one model-id limit for ingest and report', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 250 }), async (len) => {
      const id = `m${'x'.repeat(len - 1)}`;
      const ingest = await c.post(makeBatch({ models: [modelAggregate({ model: id })], loads: [] }));
      const report = await admin(`${c.url}/v1/models/${id}/report`);
      if (len <= MODEL_ID_MAX) {
        expect(ingest.status).toBe(200);
        expect(report.status).toBe(200);
        expect((await report.json()).predictions).toBeGreaterThan(0);
      } else {
        expectShaped(ingest.status, await ingest.text(), 400);
        expectShaped(report.status, await report.text(), (s) => s === 400 || s === 414);
      }
    }), { numRuns: 30 });
  });

  it('validate report query parameters alike on SQLite and PostgreSQL', async () => {
    for (const col of [c, cpg]) expect((await col.post(makeBatch())).status).toBe(200);
    const bad = fc.oneof(
      fc.bigInt({ min: 253_402_300_800_000n, max: 10n ** 30n }).map(String),
      fc.constantFrom('99999999999999999999', '9223372036854775808', '-1', '1e400', 'NaN', 'Infinity', 'not-a-date', '+275760-09-13T00:00:00.001Z', '-000001-01-01T00:00:00Z'),
    );
    await fc.assert(fc.asyncProperty(fc.constantFrom('from', 'to'), bad, fc.boolean(), async (param, value, onPg) => {
      const col = onPg ? cpg : c;
      const r = await admin(`${col.url}/v1/models/digits/report?${param}=${encodeURIComponent(value)}`);
      const e = expectShaped(r.status, await r.text(), 400);
      expect(e.message.length).toBeLessThan(300);
    }), { numRuns: 40 });
    for (const q of ['shortMinutes=0', 'shortMinutes=1e9', 'shortMinutes=abc', 'from=5&from=6', `version=${'v'.repeat(500)}`]) {
      for (const col of [c, cpg]) {
        const r = await admin(`${col.url}/v1/models/digits/report?${q}`);
        expectShaped(r.status, await r.text(), 400);
      }
    }
    for (const col of [c, cpg]) {
      const r = await admin(`${col.url}/v1/models/digits/report?from=0&to=${Date.now() + 60_000}`);
      expect(r.status).toBe(400); // more than 400 days
      const ok = await admin(`${col.url}/v1/models/digits/report?from=${Date.now() - 3600_000}`);
      expect(ok.status).toBe(200);
      expect((await ok.json()).predictions).toBeGreaterThan(0);
    }
  });
});
