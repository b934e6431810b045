// POST /v1/batches through the real HTTP stack (Fastify on a free port, SQLite file).
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, KEY_BLOG, KEY_SHOP, admin, makeBatch, modelAggregate, startTestCollector, type TestCollector } from './helpers.js';

let c: TestCollector;
beforeAll(async () => { c = await startTestCollector(); });
afterAll(async () => { await c?.close(); });

async function report(q = '') {
  const r = await admin(`${c.url}/v1/models/digits/report?${q}`);
  expect(r.status).toBe(200);
  return r.json();
}

describe('POST /v1/batches', () => {
  it('accepts a fetch batch with the key in the URL and counts it in the report', async () => {
    const before = (await report()).predictions;
    const r = await c.post(makeBatch(), { headers: { origin: 'https://shop.example' } });
    expect(r.status).toBe(200);
    expect(r.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(await r.json()).toMatchObject({ ok: true, counted: true });
    expect((await report()).predictions).toBe(before + 20);
  });

  it('accepts a sendBeacon body: text/plain with the key inside the batch', async () => {
    const b = makeBatch({ appKey: KEY_SHOP });
    const r = await fetch(`${c.url}/v1/batches`, { method: 'POST', headers: { 'content-type': 'text/plain;charset=UTF-8' }, body: JSON.stringify(b) });
    expect(r.status).toBe(200);
    expect((await r.json()).counted).toBe(true);
  });

  it('accepts gzip bodies', async () => {
    const b = makeBatch();
    const r = await c.post(gzipSync(JSON.stringify(b)), { headers: { 'content-encoding': 'gzip' } });
    expect(r.status).toBe(200);
    expect((await r.json()).batchId).toBe(b.batchId);
  });

  it('counts a replayed batch id once but still answers 2xx', async () => {
    const b = makeBatch({ models: [modelAggregate({ model: 'replay' })] });
    const first = await c.post(b);
    const again = await Promise.all([c.post(b), c.post(b), c.post(b)]);
    expect(first.status).toBe(200);
    for (const r of again) { expect(r.status).toBe(200); expect((await r.json()).counted).toBe(false); }
    const rep = await (await admin(`${c.url}/v1/models/replay/report`)).json();
    expect(rep.predictions).toBe(20);
    expect(rep.coverage.batches).toBe(1);
  });

  it('answers a CORS preflight for an allowed origin and withholds it from others', async () => {
    const ok = await fetch(`${c.url}/v1/batches?key=${KEY_SHOP}`, { method: 'OPTIONS', headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(ok.headers.get('access-control-allow-methods')).toContain('POST');
    expect(ok.headers.get('access-control-allow-headers')).toContain('content-type');
    const evil = await fetch(`${c.url}/v1/batches?key=${KEY_SHOP}`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    const post = await c.post(makeBatch(), { headers: { origin: 'https://evil.example' } });
    expect(post.status).toBe(403);
    expect((await post.json()).error.code).toBe('FORBIDDEN_ORIGIN');
    // Report routes are never cross-origin.
    const rep = await fetch(`${c.url}/v1/models/digits/report`, { method: 'OPTIONS', headers: { origin: 'https://shop.example', 'access-control-request-method': 'GET' } });
    expect(rep.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses bad input with a JSON 4xx that names the problem', async () => {
    const noKey = await fetch(`${c.url}/v1/batches`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(makeBatch()) });
    expect(noKey.status).toBe(401);
    expect((await noKey.json()).error.message).toMatch(/missing app key/);
    const badKey = await c.post(makeBatch(), { key: 'pk_nope_nope' });
    expect(badKey.status).toBe(401);
    expect((await badKey.json()).error.message).toMatch(/unknown app key/);

    const negative = makeBatch({ models: [modelAggregate({ predictions: -3 })] });
    const neg = await c.post(negative);
    expect(neg.status).toBe(400);
    expect(await neg.json()).toMatchObject({ error: { code: 'SCHEMA', field: 'batch.models[0].predictions' } });

    const extra = await c.post({ ...makeBatch(), ip: '10.0.0.1' });
    expect(extra.status).toBe(400);
    expect((await extra.json()).error.field).toBe('batch.ip');

    const enumBad = await c.post(makeBatch({ models: [modelAggregate({ backend: 'gpu-magic' as never })] }));
    expect((await enumBad.json()).error.field).toBe('batch.models[0].backend');

    const huge = modelAggregate();
    huge.latency = { ...huge.latency, counts: new Array(5000).fill(0) };
    const over = await c.post(makeBatch({ models: [huge] }));
    expect(over.status).toBe(400);
    expect((await over.json()).error.field).toBe('batch.models[0].latency.counts');

    const notJson = await c.post('{"v":1,');
    expect(notJson.status).toBe(400);
    expect((await notJson.json()).error.message).toMatch(/not valid JSON/);
  });

  it('refuses bodies over the limit with 413, also when they only grow after gunzip', async () => {
    const big = await c.post('x'.repeat(300 * 1024));
    expect(big.status).toBe(413);
    expect((await big.json()).error.code).toBe('PAYLOAD_TOO_LARGE');
    const bomb = gzipSync(Buffer.alloc(4 * 1024 * 1024, 32));
    expect(bomb.length).toBeLessThan(256 * 1024);
    const r = await c.post(bomb, { headers: { 'content-encoding': 'gzip' } });
    expect(r.status).toBe(413);
  });

  it('rate-limits per key with 429 and Retry-After', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 5; i++) {
      const r = await c.post(makeBatch(), { key: KEY_BLOG });
      statuses.push(r.status);
      if (r.status === 429) { retryAfter = r.headers.get('retry-after'); expect((await r.json()).error.code).toBe('RATE_LIMITED'); }
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    // Another app's key is not affected.
    expect((await c.post(makeBatch())).status).toBe(200);
  });

  it('never lets an ingest key read, and needs the admin token for reports', async () => {
    for (const path of ['/v1/models', '/v1/models/digits/report']) {
      expect((await fetch(c.url + path)).status).toBe(401);
      const withKey = await fetch(c.url + path, { headers: { authorization: `Bearer ${KEY_SHOP}` } });
      expect(withKey.status).toBe(401);
      expect((await withKey.json()).error.message).toMatch(/ingest key can only send/);
      expect((await fetch(c.url + path, { headers: { authorization: `Bearer ${ADMIN}` } })).status).toBe(200);
    }
  });

  it('counts model loads on /metrics once per stored batch (a replay adds nothing)', async () => {
    const load = { model: 'loads-metric', version: '2.0.0', variant: 'stable' as const, backend: 'webgl' as const, source: 'cache' as const, bytes: 1000, ms: 40, fallbacks: [], count: 2 };
    const b = makeBatch({ models: [], loads: [load] });
    expect((await c.post(b)).status).toBe(200);
    expect((await (await c.post(b)).json()).counted).toBe(false);
    expect((await c.post(makeBatch({ models: [], loads: [{ ...load, source: 'network', ms: 700, count: 1 }] }))).status).toBe(200);
    const text = await (await fetch(`${c.url}/metrics`)).text();
    const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}.+]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);
    const labels = 'app="shop",model="loads-metric",version="2.0.0",backend="webgl"';
    expect(value(`inferscope_model_load_seconds_count{${labels},source="cache"}`)).toBe(2);
    expect(value(`inferscope_model_load_seconds_bucket{${labels},source="cache",le="0.05"}`)).toBe(2);
    expect(value(`inferscope_model_load_seconds_bucket{${labels},source="network",le="0.5"}`)).toBe(0);
    expect(value(`inferscope_model_load_seconds_bucket{${labels},source="network",le="1"}`)).toBe(1);
    expect(value(`inferscope_cache_requests_total{${labels},result="hit"}`)).toBe(2);
    expect(value(`inferscope_cache_requests_total{${labels},result="miss"}`)).toBe(1);
  });

  it('answers unknown routes and health checks with JSON', async () => {
    const r = await fetch(`${c.url}/nope`);
    expect(r.status).toBe(404);
    expect((await r.json()).error.code).toBe('NOT_FOUND');
    expect(await (await fetch(`${c.url}/healthz`)).json()).toEqual({ ok: true, storage: 'sqlite' });
  });
});
