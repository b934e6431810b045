// The attacker's audit of every route the collector serves (#16), driven by its route table
// (route-classes.ts): each class of hostile input goes to each input of each route, on SQLite
// and on PostgreSQL (two replicas), and a route registered without a class entry fails the
// first test. Classes: Object.prototype names in every path/query/body name, numbers out of
// range in every numeric query parameter, the error shape of every refusal (Fastify's own
// 404/405/414/415/413 and bad escapes included), admin auth checked before the body is read,
// personal data in every string input never stored or exposed, a stalled request timed out on
// every route, and two admins acting at once (no lost or doubled transitions).
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../../src/collector/server.js';
import { validateReleases } from '../../src/collector/releases/policy.js';
import { startPostgres, type TestPostgres } from '../support/postgres.js';
import { rawExchange } from '../support/raw-http.js';
import { ADMIN, KEY_BLOG, KEY_SHOP, makeBatch, startTestCollector, testConfig, until, type TestCollector } from './helpers.js';
import { releaseBatch, writeManifest } from './release-support.js';
import { ROUTES, auditedRoutes, pathOf, type RouteSpec } from './route-classes.js';
import { secret } from './secrets.js';

const doc = JSON.parse(readFileSync(join(import.meta.dirname, '../../deploy/openapi.json'), 'utf8')) as { paths: Record<string, Record<string, unknown>> };
const PROTO_NAMES = [...Object.getOwnPropertyNames(Object.prototype), 'prototype'];
const protoBefore = Object.getOwnPropertyNames(Object.prototype).map((k) => Object.getOwnPropertyDescriptor(Object.prototype, k));

// Releases that wait for an admin and never advance by themselves here, evaluated every 200 ms
// (the automatic holds race the admins' actions too).
const config = testConfig({ releases: validateReleases({ intervalSeconds: 0.2, manifestMaxAgeSeconds: 1, defaults: { start: 'admin', steps: [10, 50, 100], minPredictions: 1_000_000, minStepSeconds: 3600 } }) });
const rateLimit = { max: 1_000_000, windowSeconds: 60 };
// The audit sends far more wrong admin tokens than a client may (auth.ts); that limit has its own test below.
const adminFailures = { max: 1_000_000, windowSeconds: 60 };

let sqlite: TestCollector;
let pgServer: TestPostgres;
let replicas: RunningCollector[] = [];
let both: { name: string; url: string }[];

beforeAll(async () => {
  const manifest = writeManifest();
  [sqlite, pgServer] = await Promise.all([startTestCollector({ config, manifest, rateLimit, adminFailures }), startPostgres()]);
  replicas = await Promise.all([0, 1].map(() => startCollector({ config, port: 0, postgres: pgServer.url, manifest, rateLimit, adminFailures })));
  both = [{ name: 'sqlite', url: sqlite.url }, { name: 'postgres', url: replicas[0]!.url }];
  for (const { url } of both) {
    const r = await fetch(`${url}/v1/batches?key=${KEY_SHOP}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(releaseBatch({ n: 30 }, { n: 0 })) });
    expect(r.status).toBe(200);
  }
}, 120_000);
afterAll(async () => {
  await sqlite?.close();
  await Promise.all(replicas.map((r) => r.close()));
  await pgServer?.stop();
});

interface Call { params?: Record<string, string>; query?: string; body?: string | Uint8Array; headers?: Record<string, string>; method?: string; auth?: string | null; rawPath?: string }

/** One request to route `key` of `base`: valid parameters and credentials unless overridden. */
function call(base: string, key: string, o: Call = {}): Promise<Response> {
  const spec = ROUTES[key]!;
  const method = o.method ?? key.slice(0, key.indexOf(' '));
  const path = o.rawPath ?? pathOf(key, { ...spec.params, ...o.params });
  const query = o.query ?? spec.validQuery;
  const auth = o.auth === undefined ? (spec.auth === 'admin' ? `Bearer ${ADMIN}` : null) : o.auth;
  const valid = spec.validBody?.();
  const body = o.body !== undefined ? o.body : method === 'POST' && valid !== undefined ? JSON.stringify(valid) : undefined;
  return fetch(`${base}${path}${query ? `?${query}` : ''}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(auth ? { authorization: auth } : {}), ...o.headers },
    ...(body !== undefined ? { body: body as BodyInit } : {}),
  });
}

/** A refusal as documented: JSON { error: { code, message } }, small, with the wanted status. */
async function expectRefusal(r: Response, want: number | number[], what: string): Promise<{ code: string; message: string; field?: string }> {
  const text = await r.text();
  expect([want].flat(), `${what}: ${r.status} ${text.slice(0, 300)}`).toContain(r.status);
  expect(r.headers.get('content-type'), what).toMatch(/^application\/json/);
  const j = JSON.parse(text) as { error: { code: string; message: string; field?: string } };
  expect(Object.keys(j), what).toEqual(['error']);
  expect(j.error.code, what).toMatch(/^[A-Z_]+$/);
  expect(typeof j.error.message, what).toBe('string');
  expect(j.error.message.length, what).toBeLessThanOrEqual(401);
  expect(text.length, what).toBeLessThan(700);
  return j.error;
}

/** Any answer but a 5xx; a refusal has the documented shape; no built-in leaked into the text. */
async function expectSafe(r: Response, what: string): Promise<void> {
  expect(r.status, what).toBeLessThan(500);
  if (r.status >= 400) await expectRefusal(r, r.status, what);
  else expect(await r.text(), what).not.toMatch(/native code|\[object |NaN/);
}

/** Every input of a route a client can name: path parameters, query names and values, body fields. */
function slots(key: string, spec: RouteSpec): { slot: string; call: (v: string) => Call }[] {
  const out: { slot: string; call: (v: string) => Call }[] = [];
  for (const p of Object.keys(spec.params)) out.push({ slot: `param ${p}`, call: (v) => ({ params: { [p]: v } }) });
  for (const q of Object.keys(spec.query)) out.push({ slot: `query ${q}`, call: (v) => ({ query: `${spec.validQuery ? `${spec.validQuery}&` : ''}${q}=${encodeURIComponent(v)}` }) });
  out.push({ slot: 'query name', call: (v) => ({ query: `${spec.validQuery ? `${spec.validQuery}&` : ''}${encodeURIComponent(v)}=1` }) });
  if (spec.body === 'action') {
    out.push({ slot: 'body field', call: (v) => ({ body: `{${JSON.stringify(v)}: "x"}` }) });
    out.push({ slot: 'body reason', call: (v) => ({ body: JSON.stringify({ reason: v }) }) });
  }
  if (spec.body === 'batch') out.push({ slot: 'batch field', call: (v) => ({ body: JSON.stringify(makeBatch()).replace(/^\{/, `{${JSON.stringify(v)}: 1,`) }) });
  if (key === 'POST /v1/batches') out.push({ slot: 'key', call: (v) => ({ query: `key=${encodeURIComponent(v)}` }) });
  return out;
}

const methodsOf = (c: RunningCollector, url: string) => [...new Set(c.routes.filter((r) => r.url === url).map((r) => r.method))].sort();

describe('route table', () => {
  it('every route the collector serves has a class entry, and OpenAPI lists the same routes', () => {
    for (const c of [sqlite, replicas[0]!]) expect(auditedRoutes(c.routes)).toEqual(Object.keys(ROUTES).sort());
    for (const key of Object.keys(ROUTES)) {
      const [method, url] = key.split(' ') as [string, string];
      const op = doc.paths[url.replace(/:(\w+)/g, '{$1}')]?.[method.toLowerCase()] as { responses: Record<string, unknown> } | undefined;
      expect(op, key).toBeDefined();
      // The refusals this audit provokes on the route are documented for it.
      const spec = ROUTES[key]!;
      const want = ['405', ...(spec.auth === 'admin' ? ['401', '429'] : []), ...(spec.body !== 'none' ? ['400', '413', '415'] : []), ...(Object.keys(spec.query).length || Object.keys(spec.params).length ? ['400'] : [])];
      for (const status of want) expect(op!.responses, `${key} documents ${status}`).toHaveProperty(status);
    }
  });
});

describe('Object.prototype names in every name a route takes', () => {
  it('answer 2xx or a shaped 4xx, never 5xx, and reach no built-in (SQLite and PostgreSQL)', async () => {
    for (const { name, url } of both) {
      for (const [key, spec] of Object.entries(ROUTES)) {
        for (const { slot, call: make } of slots(key, spec)) {
          for (const proto of PROTO_NAMES) await expectSafe(await call(url, key, make(proto)), `${name} ${key} ${slot}=${proto}`);
        }
      }
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(/inferscope_model_accuracy\{app="shop",model="digits",version="1.0.0"\}/);
    }
    expect(Object.getOwnPropertyNames(Object.prototype).map((k) => Object.getOwnPropertyDescriptor(Object.prototype, k))).toEqual(protoBefore);
  }, 180_000);
});

describe('numbers in every numeric query parameter', () => {
  const numeric = Object.entries(ROUTES).flatMap(([key, spec]) => Object.entries(spec.query).filter(([, q]) => q.kind === 'int' || q.kind === 'time').map(([q, kind]) => ({ key, q, kind })));
  const outOfRange = (kind: (typeof numeric)[number]['kind']) => fc.oneof(
    fc.constantFrom('-1', '-0.5', '1e400', '1e2', '0x10', ' 5', '5 ', '1.5', 'NaN', 'Infinity', '-Infinity', '', '99999999999999999999', '9223372036854775808', '1,2', '٣'),
    fc.bigInt({ min: 10n ** 16n, max: 10n ** 40n }).map(String),
    fc.integer({ min: -1_000_000, max: -1 }).map(String),
    ...(kind.kind === 'int' ? [fc.integer({ min: kind.max + 1, max: kind.max * 1000 }).map(String), fc.constant(String(kind.min - 1))] : []),
  ).filter((v) => !(kind.kind === 'time' && v === ''));
  const inRange = (kind: (typeof numeric)[number]['kind']) => (kind.kind === 'int'
    ? fc.integer({ min: kind.min, max: kind.max }).map(String)
    : fc.integer({ min: Date.now() - 3 * 86_400_000, max: Date.now() }).map(String));

  it('has numeric parameters to audit', () => { expect(numeric.length).toBeGreaterThanOrEqual(4); });

  it('refuse out-of-range, non-finite, huge, negative and non-decimal values with a shaped 400, and take values in range (SQLite and PostgreSQL)', async () => {
    for (const { key, q, kind } of numeric) {
      await fc.assert(fc.asyncProperty(fc.constantFrom(...both), outOfRange(kind), fc.boolean(), async (col, v, twice) => {
        const query = `${q}=${encodeURIComponent(v)}${twice ? `&${q}=${encodeURIComponent(v)}` : ''}`;
        const e = await expectRefusal(await call(col.url, key, { query }), 400, `${col.name} ${key} ${query}`);
        expect(e.field).toBe(q);
      }), { numRuns: 40 });
      await fc.assert(fc.asyncProperty(fc.constantFrom(...both), inRange(kind), async (col, v) => {
        // "from" alone must stay before the default "to" (now); "to" alone after 0 + one day.
        const query = q === 'to' ? `to=${v}&from=${Number(v) - 3600_000}` : `${q}=${v}`;
        const r = await call(col.url, key, { query });
        expect(r.status, `${col.name} ${key} ${query}: ${await r.clone().text()}`).toBe(200);
      }), { numRuns: 20 });
    }
  }, 120_000);
});

describe('error shape of every refusal', () => {
  it('a known path with another method is a shaped 405 with Allow; an unknown path a shaped 404', async () => {
    const c = replicas[0]!;
    await fc.assert(fc.asyncProperty(fc.constantFrom(...Object.keys(ROUTES)), fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'PROPFIND'), async (key, method) => {
      const url = key.slice(key.indexOf(' ') + 1);
      const allowed = methodsOf(c, url);
      if (allowed.includes(method)) return;
      const r = await call(c.url, key, { method, body: method === 'GET' ? undefined : '' });
      await expectRefusal(r, 405, `${method} ${key}`);
      expect(r.headers.get('allow')?.split(', ').sort()).toEqual(allowed);
    }), { numRuns: 60 });
    await fc.assert(fc.asyncProperty(fc.stringMatching(/^\/[a-z0-9/_-]{1,3000}$/), async (path) => {
      if (auditedRoutes(c.routes).some((k) => new RegExp(`^${k.slice(k.indexOf(' ') + 1).replace(/:\w+/g, '[^/]+')}$`).test(path))) return;
      await expectRefusal(await fetch(`${c.url}${path}`), [404, 405], path.slice(0, 80));
    }), { numRuns: 40 });
  });

  it('OPTIONS on every route (with or without a CORS preflight) and bad Content-Length numbers on every body route answer shaped', async () => {
    const shaped = (r: { status: number; body: string }, what: string) => {
      const j = JSON.parse(r.body) as { error: { code: string; message: string } };
      expect(j.error.code, what).toMatch(/^[A-Z_]+$/);
      expect(r.body.length, what).toBeLessThan(700);
    };
    await fc.assert(fc.asyncProperty(fc.constantFrom(...Object.keys(ROUTES)), fc.constantFrom('', 'Origin: https://shop.example\r\n', 'Origin: https://evil.example\r\nAccess-Control-Request-Method: POST\r\n', 'Origin: https://shop.example\r\nAccess-Control-Request-Method: PUT\r\n'), async (key, extra) => {
      const r = await rawExchange(sqlite.url, `OPTIONS ${pathOf(key, ROUTES[key]!.params)} HTTP/1.1\r\nHost: collector\r\n${extra}\r\n`);
      if (r.status !== 204) { expect([400, 403, 404, 405], `${key} ${extra}`).toContain(r.status); shaped(r, `OPTIONS ${key}`); }
    }), { numRuns: 40 });
    const posts = Object.keys(ROUTES).filter((k) => k.startsWith('POST'));
    const badLength = fc.oneof(fc.constantFrom('-1', 'abc', '1e3', '5, 6', '0x10', '+5', ''), fc.bigInt({ min: 10n ** 10n, max: 10n ** 30n }).map(String), fc.integer({ min: -1e9, max: -1 }).map(String));
    await fc.assert(fc.asyncProperty(fc.constantFrom(...posts), badLength, async (key, length) => {
      const spec = ROUTES[key]!;
      const r = await rawExchange(sqlite.url, `POST ${pathOf(key, spec.params)}${spec.validQuery ? `?${spec.validQuery}` : ''} HTTP/1.1\r\nHost: collector\r\nAuthorization: Bearer ${ADMIN}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n{}`);
      expect([400, 413], `${key} Content-Length: ${length}`).toContain(r.status);
      shaped(r, `${key} Content-Length: ${length}`);
    }), { numRuns: 30 });
  });

  it('bad escapes and over-long values in every path parameter are shaped 400/404/414', async () => {
    const params = Object.entries(ROUTES).flatMap(([key, spec]) => Object.keys(spec.params).map((p) => ({ key, p })));
    await fc.assert(fc.asyncProperty(fc.constantFrom(...params), fc.constantFrom('%', '%zz', '%e0%a4', '%ff', '%C0%AF', '%g1'), async ({ key, p }, esc) => {
      const spec = ROUTES[key]!;
      const rawPath = pathOf(key, { ...spec.params, [p]: 'PLACEHOLDER' }).replace('PLACEHOLDER', `a${esc}b`);
      await expectRefusal(await call(sqlite.url, key, { rawPath }), 400, `${key} ${p}=${esc}`);
    }), { numRuns: 30 });
    await fc.assert(fc.asyncProperty(fc.constantFrom(...params), fc.integer({ min: 65, max: 2000 }), fc.constantFrom('m', '@', '9', 'é'), async ({ key, p }, len, ch) => {
      const r = await call(sqlite.url, key, { params: { [p]: ch.repeat(len) } });
      // Past the router's 200-character (decoded) segment limit Fastify answers 414 before the route.
      await expectRefusal(r, len > 200 ? 414 : [400, 404], `${key} ${p} x${len}`);
    }), { numRuns: 40 });
    // A request line past Node's 16 KiB header limit is refused by the HTTP parser: 431, shaped.
    await expectRefusal(await call(sqlite.url, 'GET /v1/models/:id/report', { params: { id: 'é'.repeat(3000) } }), 431, 'URL of 18 KB');
  });

  it('bodies: wrong content type 415, not JSON or not an object 400, over the limit 413, all shaped', async () => {
    const withBody = Object.entries(ROUTES).filter(([, s]) => s.body !== 'none');
    expect(withBody.map(([k]) => k).sort()).toEqual(['POST /v1/batches', 'POST /v1/releases/:model/:channel/:action']);
    const accepted = ['application/json', 'text/plain', 'application/octet-stream', 'application/csp-report'];
    const mediaType = fc.oneof(fc.constantFrom('image/png', 'text/html', 'application/xml', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded'), fc.stringMatching(/^[a-z]{1,10}\/[a-z0-9.+-]{1,20}$/))
      .filter((t) => !accepted.includes(t));
    const notAnObject = fc.oneof(fc.array(fc.jsonValue(), { maxLength: 3 }), fc.integer(), fc.string(), fc.constantFrom(null, true, false, 1e300)).map((v) => JSON.stringify(v));
    const notJson = fc.oneof(fc.constantFrom('{', '{"a":', "{'a':1}", '[1,]', 'undefined', '\u0000', 'NaN'), fc.string({ minLength: 1, maxLength: 40 }).filter((s) => { try { JSON.parse(s); return false; } catch { return true; } }));
    for (const { name, url } of both) {
      for (const [key, spec] of withBody) {
        await fc.assert(fc.asyncProperty(mediaType, async (type) => {
          await expectRefusal(await call(url, key, { headers: { 'content-type': type } }), 415, `${name} ${key} ${type}`);
        }), { numRuns: 15 });
        await fc.assert(fc.asyncProperty(fc.oneof(notAnObject, notJson), async (body) => {
          await expectRefusal(await call(url, key, { body }), 400, `${name} ${key} ${JSON.stringify(body).slice(0, 60)}`);
        }), { numRuns: 25 });
        const over = await call(url, key, { body: JSON.stringify({ reason: 'x'.repeat(spec.bodyLimit!) }) });
        expect((await expectRefusal(over, 413, `${key} over the limit`)).message).toContain(String(spec.bodyLimit));
        const empty = await call(url, key, { body: '' });
        if (spec.body === 'batch') await expectRefusal(empty, 400, `${key} empty body`);
        else expect(spec.ok, `${key} empty body`).toContain(empty.status);
      }
    }
  }, 120_000);
});

describe('admin auth', () => {
  const adminRoutes = Object.entries(ROUTES).filter(([, s]) => s.auth === 'admin').map(([k]) => k);
  const wrong = fc.oneof(
    fc.constant(null),
    fc.constantFrom(`Basic ${ADMIN}`, `Bearer`, `Bearer ${ADMIN} x`, `bearer${ADMIN}`, `Bearer ${KEY_SHOP}`, `Bearer ${KEY_BLOG}`, `Bearer ${ADMIN.slice(0, -1)}`, `Bearer ${ADMIN}0`, `Token ${ADMIN}`),
    fc.string({ minLength: 1, maxLength: 200 }).filter((s) => /^[\x21-\x7e]+$/.test(s) && s !== ADMIN).map((s) => `Bearer ${s}`),
  );
  // What an unauthenticated caller sends along must not be read before the 401.
  const junk = fc.constantFrom<Call>({}, { body: '{' }, { body: '[1]' }, { headers: { 'content-type': 'image/png' } }, { headers: { 'content-encoding': 'gzip' }, body: 'not gzip' }, { body: JSON.stringify({ reason: 'x'.repeat(10_000) }) });

  it('every admin route answers 401 (shaped, before reading the body) to a missing or wrong token, and changes nothing', async () => {
    expect(adminRoutes.length).toBeGreaterThanOrEqual(4);
    const decisions = async (url: string) => ((await (await fetch(`${url}/v1/releases/digits?limit=1000`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { decisions: { actor: string }[] }).decisions.filter((d) => d.actor === 'admin').length;
    const before = await Promise.all(both.map((b) => decisions(b.url)));
    await fc.assert(fc.asyncProperty(fc.constantFrom(...both), fc.constantFrom(...adminRoutes), wrong, junk, async (col, key, auth, extra) => {
      const isPost = key.startsWith('POST');
      const r = await call(col.url, key, { ...(isPost ? extra : {}), auth, params: isPost ? { action: 'rollback' } : {} });
      const e = await expectRefusal(r, 401, `${col.name} ${key} ${auth}`);
      expect(e.code).toBe('UNAUTHORIZED');
      if (!isPost) expect((await call(col.url, key, { method: 'HEAD', auth })).status).toBe(401);
    }), { numRuns: 120 });
    expect(await Promise.all(both.map((b) => decisions(b.url)))).toEqual(before);
    for (const key of adminRoutes) for (const { url } of both) expect(ROUTES[key]!.ok, key).toContain((await call(url, key)).status);
  }, 120_000);
});

describe('guessing the admin token', () => {
  it('after max wrong tokens a client gets 429 with Retry-After on every admin route, the right token too; other clients are unaffected', async () => {
    const max = 5;
    // A window far longer than the test, so no count expires in the middle of a run on a loaded machine.
    const opts = { config: testConfig({ trustProxy: ['127.0.0.1'], releases: config.releases }), manifest: writeManifest(), rateLimit };
    const c = await startTestCollector({ ...opts, adminFailures: { max, windowSeconds: 600 } });
    const short = await startTestCollector({ ...opts, adminFailures: { max, windowSeconds: 1 } });
    const adminRoutes = Object.entries(ROUTES).filter(([, s]) => s.auth === 'admin').map(([k]) => k);
    let client = 0;
    try {
      await fc.assert(fc.asyncProperty(fc.integer({ min: 0, max: 2 * max }), fc.array(fc.constantFrom(...adminRoutes), { minLength: 2 * max + 2, maxLength: 2 * max + 2 }), async (wrong, routes) => {
        const from = (n: number) => ({ 'x-forwarded-for': `198.51.${Math.floor(n / 250)}.${(n % 250) + 1}` });
        const me = from(++client);
        // Requests without any token guess nothing and do not count.
        for (let i = 0; i < max + 1; i++) await expectRefusal(await call(c.url, routes[i]!, { auth: null, headers: me }), 401, 'no token');
        for (let i = 0; i < wrong; i++) {
          const r = await call(c.url, routes[i]!, { auth: `Bearer guess-${i}-0123456789abcdef`, headers: me });
          await expectRefusal(r, i < max ? 401 : 429, `wrong token ${i + 1}`);
        }
        const right = await call(c.url, routes[wrong]!, { headers: me });
        if (wrong >= max) {
          expect((await expectRefusal(right, 429, 'right token while limited')).code).toBe('RATE_LIMITED');
          expect(Number(right.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
          expect(Number(right.headers.get('retry-after'))).toBeLessThanOrEqual(600);
        } else {
          expect(ROUTES[routes[wrong]!]!.ok).toContain(right.status);
        }
        expect(ROUTES[routes[wrong + 1]!]!.ok).toContain((await call(c.url, routes[wrong + 1]!, { headers: from(++client) })).status);
      }), { numRuns: 12 });
      // The window ends: the limited client is served again with the right token.
      const limited = { 'x-forwarded-for': '203.0.113.9' };
      for (let i = 0; i < max; i++) await call(short.url, 'GET /v1/models', { auth: 'Bearer wrong-wrong-wrong-wrong', headers: limited });
      await until(async () => ((await call(short.url, 'GET /v1/models', { headers: limited })).status === 200 ? true : undefined), 'the end of the window');
    } finally {
      await Promise.all([c.close(), short.close()]);
    }
  }, 90_000);
});

describe('slow clients on every route', () => {
  /** Sends `text` on a raw socket and stalls; resolves with what came back and when the socket closed. */
  function stall(url: string, text: string): Promise<{ received: string; ms: number }> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve) => {
      const t0 = Date.now();
      const socket = connect({ host: hostname, port: Number(port) }, () => socket.write(text));
      let received = '';
      socket.on('data', (d: Buffer) => { received += d.toString(); });
      socket.on('error', () => {}); // a cut connection is an expected outcome
      socket.once('close', () => resolve({ received, ms: Date.now() - t0 }));
    });
  }

  it('a request whose headers or body stop arriving gets a shaped 408 and is closed, whatever the route', async () => {
    const c = await startTestCollector({ config, manifest: writeManifest(), rateLimit, adminFailures, requestTimeoutMs: 800 });
    try {
      const cases = Object.entries(ROUTES).flatMap(([key, spec]) => (key.startsWith('POST') ? ['headers', 'body'] : ['headers']).map((part) => ({ key, spec, part })));
      const results = await Promise.all(cases.map(async ({ key, spec, part }) => {
        const path = `${pathOf(key, spec.params)}${spec.validQuery ? `?${spec.validQuery}` : ''}`;
        const head = `${key.slice(0, key.indexOf(' '))} ${path} HTTP/1.1\r\nHost: collector\r\nAuthorization: Bearer ${ADMIN}\r\n`;
        const text = part === 'headers' ? `${head}X-Slow: ` : `${head}Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"reason":`;
        return { key, part, ...(await stall(c.url, text)) };
      }));
      for (const r of results) {
        expect(r.received, `${r.key} (${r.part})`).toMatch(/^HTTP\/1\.1 408 /);
        const body = r.received.slice(r.received.indexOf('\r\n\r\n') + 4);
        expect(JSON.parse(body).error.code, `${r.key} (${r.part})`).toBe('TIMEOUT');
        // Node checks deadlines every connectionsCheckingInterval (here 200 ms): generous slack for a loaded machine.
        expect(r.ms, `${r.key} (${r.part})`).toBeLessThan(800 + 10_000);
      }
    } finally {
      await c.close();
    }
  }, 60_000);
});

describe('personal data in every string input', () => {
  /** Everything the collectors keep: SQLite files (WAL included), PostgreSQL tables, /metrics, the release views. */
  async function everythingStored(): Promise<string> {
    const files = readdirSync(sqlite.dir).filter((f) => f.startsWith('c.sqlite'));
    expect(files).toContain('c.sqlite-wal');
    const db = new pg.Client({ connectionString: pgServer.url });
    await db.connect();
    const tables = (await db.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public'")).rows.map((r) => r.t);
    const dump: string[] = [];
    for (const t of tables) dump.push(...(await db.query(`SELECT * FROM "${t}"`)).rows.map((r) => JSON.stringify(r)));
    await db.end();
    const views = await Promise.all([sqlite.url, ...replicas.map((r) => r.url)].flatMap((u) => [
      fetch(`${u}/metrics`).then((r) => r.text()),
      fetch(`${u}/v1/releases/digits?limit=1000`, { headers: { authorization: `Bearer ${ADMIN}` } }).then((r) => r.text()),
      fetch(`${u}/v1/models`, { headers: { authorization: `Bearer ${ADMIN}` } }).then((r) => r.text()),
    ]));
    return [...files.map((f) => readFileSync(join(sqlite.dir, f)).toString('latin1')), ...dump, ...views].join('\n');
  }

  it('e-mails, URLs with tokens, IPs and long digit runs are never stored or exposed, whichever input carries them', async () => {
    const inputs = Object.entries(ROUTES).flatMap(([key, spec]) => slots(key, spec).filter((s) => s.slot !== 'batch field' && s.slot !== 'key').map((s) => ({ key, ...s })));
    const action = 'POST /v1/releases/:model/:channel/:action';
    // A reason in words is kept (the scan below sees what is stored); the release now runs, so
    // a pause or resume with a reason would be recorded unless the reason is refused.
    for (const { url } of both) {
      const r = await call(url, action, { params: { action: 'start' }, body: JSON.stringify({ reason: 'canary looks fine on the shop pages' }) });
      expect([200, 409]).toContain(r.status);
    }
    const needles: string[] = [];
    await fc.assert(fc.asyncProperty(fc.constantFrom(...both), fc.constantFrom(...inputs), secret, async (col, input, s) => {
      needles.push(s.needle);
      const sent = input.call(s.text);
      await expectSafe(await call(col.url, input.key, sent), `${col.name} ${input.key} ${input.slot}`);
      if (input.key === action) await expectSafe(await call(col.url, input.key, { ...sent, params: { ...sent.params, action: 'resume' } }), `${col.name} resume ${input.slot}`);
    }), { numRuns: 250 });
    const stored = await everythingStored();
    expect(stored).toContain('canary looks fine on the shop pages');
    for (const needle of needles) expect(stored.includes(needle), needle).toBe(false);
  }, 180_000);

  it('nor written to the log, at the most verbose level, whichever input carries them', async () => {
    const lines: string[] = [];
    const c = await startTestCollector({ config, manifest: writeManifest(), rateLimit, adminFailures, logLevel: 'trace', logStream: { write: (l: string) => { lines.push(l); } } });
    try {
      const inputs = Object.entries(ROUTES).flatMap(([key, spec]) => slots(key, spec).map((x) => ({ key, ...x })));
      const needles: string[] = [];
      await fc.assert(fc.asyncProperty(fc.constantFrom(...inputs), secret, async (input, s) => {
        needles.push(s.needle);
        await expectSafe(await call(c.url, input.key, input.call(s.text)), `${input.key} ${input.slot}`);
      }), { numRuns: 150 });
      const log = lines.join('');
      expect(log).toMatch(/"route":"\/v1\/models\/:id\/report"/); // the scan sees request lines
      for (const needle of needles) expect(log.includes(needle), needle).toBe(false);
    } finally {
      await c.close();
    }
  }, 120_000);
});

describe('two admins acting at once', () => {
  type Status = 'running' | 'paused' | 'promoted' | 'rolled_back';
  // The documented state machine (deploy/openapi.json, the action route's description).
  const ALLOWED: Record<string, Status[]> = { pause: ['running'], resume: ['paused', 'rolled_back'], promote: ['running', 'paused'], rollback: ['running', 'paused', 'promoted'] };
  const NEXT: Record<string, Status> = { pause: 'paused', resume: 'running', promote: 'promoted', rollback: 'rolled_back' };
  type View = { releases: { status: Status; rev: number }[]; decisions: { rev: number; repeats: number; actor: string; decision: string }[] };
  const view = async (url: string) => (await (await fetch(`${url}/v1/releases/digits?limit=1000`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as View;
  const act = (url: string, action: string) => call(url, 'POST /v1/releases/:model/:channel/:action', { params: { action } });

  for (const setup of ['sqlite', 'postgres'] as const) {
    it(`take each transition once, none lost, on ${setup}${setup === 'postgres' ? ' (one admin per replica)' : ''}`, async () => {
      const urls = setup === 'sqlite' ? [sqlite.url, sqlite.url] : replicas.map((r) => r.url);
      // Two starts at once (one may already have happened in the privacy test): at most one wins.
      const starts = await Promise.all(urls.map((u) => act(u, 'start')));
      expect(starts.filter((r) => r.status === 200).length).toBeLessThanOrEqual(1);
      for (const r of starts) expect([200, 409]).toContain(r.status);
      let ok = (await view(urls[0]!)).decisions.filter((d) => d.actor === 'admin').length;
      await fc.assert(fc.asyncProperty(fc.tuple(fc.constantFrom(...Object.keys(ALLOWED)), fc.constantFrom(...Object.keys(ALLOWED))), fc.boolean(), async ([a, b], swap) => {
        const before = (await view(urls[0]!)).releases[0]!.status;
        const rs = await Promise.all([act(urls[swap ? 1 : 0]!, a), act(urls[swap ? 0 : 1]!, b)]);
        const answers = await Promise.all(rs.map(async (r) => ({ status: r.status, body: await r.json() as { state?: { status: Status }; decision?: { rev: number; decision: string } } })));
        const after = (await view(urls[1]!)).releases[0]!.status;
        // The winners, in the order they committed, form a valid path from before to after.
        const won = answers.filter((x) => x.status === 200).map((x) => x.body.decision!).sort((x, y) => x.rev - y.rev);
        let s: Status = before;
        for (const d of won) { expect(ALLOWED[d.decision], `${d.decision} from ${s}`).toContain(s); s = NEXT[d.decision]!; }
        expect(s).toBe(after);
        // A refused action was not allowed before, or not after the other one: never lost.
        [a, b].forEach((action, i) => {
          expect([200, 409], JSON.stringify(answers[i]!.body)).toContain(answers[i]!.status);
          if (answers[i]!.status === 409) expect(ALLOWED[action]!.includes(before) && ALLOWED[action]!.includes(after), `${action} refused: ${before} -> ${after}`).toBe(false);
        });
        ok += won.length;
      }), { numRuns: 25 });
      // The audit trail holds each admin transition once, and every rev once (holds fold).
      const v = await view(urls[0]!);
      expect(v.decisions.filter((d) => d.actor === 'admin').length).toBe(ok);
      const revs = v.decisions.flatMap((d) => Array.from({ length: d.repeats }, (_, i) => d.rev - i)).sort((x, y) => x - y);
      expect(revs).toEqual(Array.from({ length: v.releases[0]!.rev }, (_, i) => i + 1));
    }, 120_000);
  }
});
