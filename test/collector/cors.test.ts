// CORS by hand (src/collector/cors.ts) answers exactly what @fastify/cors answered with the
// delegator the collector used before: the same status and the same CORS and Vary headers
// for generated requests (method x path x key x origin x preflight headers). The reference
// is that plugin with that delegator, both apps served through fastify.inject.
import cors from '@fastify/cors';
import fc from 'fast-check';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyIndex } from '../../src/collector/auth.js';
import type { AppConfig } from '../../src/collector/config.js';
import { registerCors } from '../../src/collector/cors.js';
import { KEY_BLOG, KEY_SHOP, startTestCollector } from './helpers.js';

const APPS: AppConfig[] = [
  { id: 'shop', keys: ['pk_test_shop_0001'], origins: ['https://shop.example', 'http://localhost:5173'] },
  { id: 'blog', keys: ['pk_test_blog_0001'], origins: ['*'] },
  { id: 'docs', keys: ['pk_test_docs_0001', 'pk_test_docs_0002'], origins: ['https://docs.example'] },
];
const keys = keyIndex(APPS);

function routes(app: FastifyInstance): void {
  app.post('/v1/batches', async (_req, reply) => reply.code(200).send({ ok: true }));
  app.get('/v1/manifest', async (_req, reply) => reply.header('etag', '"m1"').send({ models: {} }));
  app.get('/v1/models/:id/report', async () => ({ report: true }));
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: { code: 'NOT_FOUND', message: `no route ${req.method}` } }));
}

/** The collector's CORS set-up before cors.ts (server.ts at ec31b6d), verbatim in behaviour. */
async function reference(): Promise<FastifyInstance> {
  const app = Fastify();
  const allOrigins = new Set(APPS.flatMap((a) => a.origins));
  const noCors = { origin: false };
  const corsFor = (origins: Set<string>, origin: string | undefined) => ({
    origin: origins.has('*') ? true : typeof origin === 'string' && origins.has(origin) ? origin : false,
    methods: ['POST'], allowedHeaders: ['content-type', 'content-encoding'], exposedHeaders: ['retry-after'], maxAge: 600,
  });
  const originSets = new Map(APPS.map((a) => [a, new Set(a.origins)]));
  await app.register(cors, {
    strictPreflight: false,
    delegator: (req, cb) => {
      const origin = req.headers.origin;
      if (typeof origin !== 'string') return cb(null, noCors);
      const url = (req as unknown as FastifyRequest).url ?? '';
      const q = url.indexOf('?');
      const path = q < 0 ? url : url.slice(0, q);
      if (path === '/v1/manifest') return cb(null, { ...corsFor(allOrigins, origin), methods: ['GET', 'HEAD'], allowedHeaders: ['if-none-match'], exposedHeaders: ['etag'] });
      if (path !== '/v1/batches') return cb(null, noCors);
      const key = q < 0 ? null : new URLSearchParams(url.slice(q + 1)).get('key');
      const appCfg = key ? keys.get(key) : undefined;
      cb(null, corsFor(appCfg ? originSets.get(appCfg)! : allOrigins, origin));
    },
  });
  routes(app);
  return app;
}

async function byHand(): Promise<FastifyInstance> {
  const app = Fastify();
  registerCors(app, { apps: APPS, keys });
  routes(app);
  return app;
}

let ref: FastifyInstance;
let mine: FastifyInstance;
beforeAll(async () => { [ref, mine] = await Promise.all([reference(), byHand()]); await Promise.all([ref.ready(), mine.ready()]); });
afterAll(async () => { await Promise.all([ref?.close(), mine?.close()]); });

const origin = fc.constantFrom(undefined, 'https://shop.example', 'http://localhost:5173', 'https://docs.example', 'https://evil.example', 'null', '*', 'https://shop.example.evil', 'HTTPS://SHOP.EXAMPLE');
const key = fc.constantFrom('', '?key=pk_test_shop_0001', '?key=pk_test_blog_0001', '?key=pk_test_docs_0002', '?key=pk_unknown', '?key=', '?key=pk_test_shop_0001&key=pk_test_blog_0001',
  '?a=1&key=pk_test_docs_0001', '?key=pk_test_blog_0001&key=pk_test_shop_0001', '?kEy=pk_test_shop_0001', '?key=pk%5Ftest%5Fshop%5F0001');
const path = fc.constantFrom('/v1/batches', '/v1/manifest', '/v1/models/digits/report', '/v1/batches/', '/v1/Batches', '/metrics', '/nowhere');
const method = fc.constantFrom('OPTIONS', 'OPTIONS', 'POST', 'GET', 'HEAD');
const requestMethod = fc.constantFrom(undefined, 'POST', 'GET', 'PUT');
const requestHeaders = fc.constantFrom(undefined, 'content-type', 'content-type, content-encoding', 'if-none-match', 'x-custom');

/** What a browser (and a cache) reads: status, and the CORS and Vary headers. */
function visible(r: { statusCode: number; headers: Record<string, unknown> }) {
  const h: Record<string, unknown> = { status: r.statusCode };
  for (const [k, v] of Object.entries(r.headers)) if (k.startsWith('access-control-') || k === 'vary' || (r.statusCode === 204 && k === 'content-length')) h[k] = v;
  return h;
}

describe('CORS by hand = @fastify/cors with the former delegator', () => {
  it('same status and CORS/Vary headers for every generated request', async () => {
    await fc.assert(fc.asyncProperty(method, path, key, origin, requestMethod, requestHeaders, async (m, p, k, o, rm, rh) => {
      const headers: Record<string, string> = m === 'POST' ? { 'content-type': 'application/json' } : {};
      if (o !== undefined) headers.origin = o;
      if (rm !== undefined) headers['access-control-request-method'] = rm;
      if (rh !== undefined) headers['access-control-request-headers'] = rh;
      const req = { method: m as 'GET', url: p + k, headers, ...(m === 'POST' ? { payload: '{}' } : {}) };
      const [a, b] = await Promise.all([ref.inject(req), mine.inject(req)]);
      expect(visible(b)).toEqual(visible(a));
      // The one intended difference: the plugin's 400 for an OPTIONS without
      // Access-Control-Request-Method was text/plain; it is the documented error shape now.
      if (a.statusCode === 400) {
        expect(a.body).toBe('Invalid Preflight Request');
        expect(b.json()).toEqual({ error: { code: 'BAD_REQUEST', message: expect.stringMatching(/Access-Control-Request-Method/) } });
      }
    }), { numRuns: 600 });
  });

  it('pins what pages rely on: reflected origin, exposed Retry-After/ETag, 204 preflight, nothing for others', async () => {
    const post = await mine.inject({ method: 'POST', url: '/v1/batches?key=pk_test_shop_0001', headers: { origin: 'https://shop.example', 'content-type': 'application/json' }, payload: '{}' });
    expect(post.headers['access-control-allow-origin']).toBe('https://shop.example');
    expect(post.headers['access-control-expose-headers']).toBe('retry-after');
    expect(post.headers.vary).toBe('Origin');
    const pre = await mine.inject({ method: 'OPTIONS', url: '/v1/manifest', headers: { origin: 'https://blog.anywhere', 'access-control-request-method': 'GET' } });
    expect(pre.statusCode).toBe(204);
    expect(pre.headers).toMatchObject({ 'access-control-allow-origin': 'https://blog.anywhere', 'access-control-allow-methods': 'GET, HEAD', 'access-control-allow-headers': 'if-none-match', 'access-control-max-age': '600', 'content-length': '0' });
    const other = await mine.inject({ method: 'OPTIONS', url: '/v1/batches?key=pk_test_shop_0001', headers: { origin: 'https://docs.example', 'access-control-request-method': 'POST' } });
    expect(other.statusCode).toBe(404);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const report = await mine.inject({ method: 'GET', url: '/v1/models/digits/report', headers: { origin: 'https://shop.example' } });
    expect(report.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('the collector itself', () => {
  it('an OPTIONS that is no preflight gets a 400 in the documented error shape, with the CORS headers the page needs to read it', async () => {
    const c = await startTestCollector();
    try {
      for (const [key, origin] of [[KEY_SHOP, 'https://shop.example'], [KEY_BLOG, 'https://any.example']] as const) {
        const r = await fetch(`${c.url}/v1/batches?key=${key}`, { method: 'OPTIONS', headers: { origin } });
        expect(r.status).toBe(400);
        expect(r.headers.get('content-type')).toMatch(/^application\/json/);
        expect(r.headers.get('access-control-allow-origin')).toBe(origin);
        expect((await r.json()) as unknown).toEqual({ error: { code: 'BAD_REQUEST', message: expect.stringMatching(/Access-Control-Request-Method/) } });
      }
    } finally {
      await c.close();
    }
  });
});
