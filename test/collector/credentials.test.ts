// Duplicated and contradictory credentials (#16 follow-up): `?key=` twice, batch.appKey twice
// (escaped spellings included), a Bearer token on ingest, Authorization twice on any admin
// route. Each layer used to pick one copy (Fastify an array, Node the first header, JSON.parse
// the last member), so a wrong credential could ride along with a right one and the refusals
// that did come named the wrong cause. Generated over the route table and every credential place;
// sent raw, so duplicate headers really arrive twice.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawExchange, type RawResponse } from '../support/raw-http.js';
import { ADMIN, KEY_BLOG, KEY_SHOP, makeBatch, startTestCollector, type TestCollector } from './helpers.js';
import { ROUTES, pathOf } from './route-classes.js';

let c: TestCollector;
beforeAll(async () => { c = await startTestCollector({ rateLimit: { max: 1_000_000, windowSeconds: 60 }, adminFailures: { max: 1_000_000, windowSeconds: 60 } }); });
afterAll(async () => { await c?.close(); });

const KEYS = [KEY_SHOP, KEY_BLOG, 'pk_not_configured', ''];
const APP_KEY_NAMES = ['"appKey"', '"app\\u004bey"', '"\\u0061ppKey"'];

function send(path: string, { method = 'GET', headers = [] as string[], body = '' } = {}): Promise<RawResponse> {
  const len = Buffer.byteLength(body);
  const head = [`${method} ${path} HTTP/1.1`, 'Host: collector', ...headers, ...(method === 'POST' ? ['Content-Type: application/json', `Content-Length: ${len}`] : []), 'Connection: close'];
  return rawExchange(c.url, `${head.join('\r\n')}\r\n\r\n${body}`);
}

function refusal(r: RawResponse, what: string): { code: string; message: string; field?: string } {
  expect(r.type, what).toMatch(/^application\/json/);
  const j = JSON.parse(r.body) as { error: { code: string; message: string; field?: string } };
  expect(typeof j.error.message, what).toBe('string');
  return j.error;
}

describe('ingest: every credential place at most once, all agreeing', () => {
  it('generated: ?key= 0-3 times, batch.appKey 0-2 times (escaped names too), Authorization 0-2 times', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.constantFrom(...KEYS), { maxLength: 3 }),
      fc.array(fc.record({ name: fc.constantFrom(...APP_KEY_NAMES), value: fc.constantFrom(...KEYS.filter(Boolean)) }), { maxLength: 2 }),
      fc.array(fc.constantFrom(`Bearer ${KEY_SHOP}`, `Bearer ${ADMIN}`, 'bearer pk_x', 'Basic dXNlcjpwYXNz'), { maxLength: 2 }),
      async (query, members, auths) => {
        const batch = makeBatch();
        const json = JSON.stringify(batch);
        const body = members.length ? `{${members.map((m) => `${m.name}:${JSON.stringify(m.value)}`).join(',')},${json.slice(1)}` : json;
        const qs = query.map((k) => `key=${encodeURIComponent(k)}`).join('&');
        const r = await send(`/v1/batches${qs ? `?${qs}` : ''}`, { method: 'POST', body, headers: auths.map((a) => `Authorization: ${a}`) });
        const what = `?${qs} body keys ${JSON.stringify(members)} auth ${JSON.stringify(auths)}: ${r.status} ${r.body.slice(0, 300)}`;
        const q = query.length === 1 && query[0] ? query[0] : undefined;
        const b = members.length === 1 ? members[0]!.value : undefined;
        const defect = members.length > 1 || auths.length > 1 || auths.some((a) => /^bearer/i.test(a)) || query.length > 1 || (q !== undefined && b !== undefined && q !== b);
        if (defect) {
          expect(r.status, what).toBe(400);
          const e = refusal(r, what);
          expect(e.code, what).toBe('BAD_REQUEST');
          // Says what to do: give it once / send one key / where the key goes instead.
          expect(e.message, what).toMatch(/once|send one (key|header)|\?key=<ingest key>/);
          return;
        }
        const key = q ?? b;
        if (key === KEY_SHOP) {
          expect(r.status, what).toBe(200);
          expect(JSON.parse(r.body), what).toMatchObject({ ok: true, counted: true });
        } else if (key === KEY_BLOG) {
          expect([200, 429], what).toContain(r.status); // the test config limits the blog app to 3 requests a minute
        } else {
          expect(r.status, what).toBe(401);
          refusal(r, what);
        }
      },
    ), { numRuns: 150 });
  }, 120_000);

  it('a right key in the body does not let a doubled, wrong ?key= through (the old fall-through)', async () => {
    const body = JSON.stringify({ ...makeBatch(), appKey: KEY_SHOP });
    const r = await send(`/v1/batches?key=pk_wrong&key=pk_wrong_too`, { method: 'POST', body });
    expect(r.status).toBe(400);
    expect(refusal(r, r.body).message).toBe('key given 2 times; send ?key=<ingest key> once (or batch.appKey instead)');
  });
});

describe('admin routes: Authorization given once', () => {
  const admins = Object.entries(ROUTES).filter(([, s]) => s.auth === 'admin');
  it('generated over every admin route: two Authorization headers are a 400, whatever they hold; one right token is not refused', async () => {
    await fc.assert(fc.asyncProperty(
      fc.constantFrom(...admins),
      fc.array(fc.constantFrom(`Bearer ${ADMIN}`, 'Bearer wrong-token', `Bearer ${KEY_SHOP}`, 'Basic eA=='), { minLength: 1, maxLength: 3 }),
      async ([route, spec], auths) => {
        const method = route.slice(0, route.indexOf(' '));
        const body = spec.validBody ? JSON.stringify(spec.validBody()) : '';
        const r = await send(pathOf(route, spec.params), { method, body, headers: auths.map((a) => `Authorization: ${a}`) });
        const what = `${route} ${JSON.stringify(auths)}: ${r.status} ${r.body.slice(0, 300)}`;
        if (auths.length > 1) {
          expect(r.status, what).toBe(400);
          const e = refusal(r, what);
          expect(e.message, what).toMatch(/^Authorization given \d times; send one header/);
        } else if (auths[0] === `Bearer ${ADMIN}`) {
          expect([400, 401], what).not.toContain(r.status);
        } else {
          expect(r.status, what).toBe(401);
        }
      },
    ), { numRuns: 60 });
  }, 120_000);
});
