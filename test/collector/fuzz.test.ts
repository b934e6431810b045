// Property-based fuzzing of POST /v1/batches with malformed and hostile bodies: the
// collector never answers 5xx, never crashes, and every refusal is a JSON 4xx with a message.
import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_SHOP, makeBatch, startTestCollector, type TestCollector } from './helpers.js';

let c: TestCollector;
beforeAll(async () => { c = await startTestCollector({ rateLimit: { max: 1_000_000, windowSeconds: 60 } }); });
afterAll(async () => { await c?.close(); });

// Mutations of a valid batch: replace a random path with hostile values.
const hostile = fc.oneof(
  fc.constant(null), fc.constant(-1), fc.constant(1e308), fc.constant(Number.MAX_SAFE_INTEGER), fc.constant('__proto__'),
  fc.constant({ __proto__: { polluted: true } }), fc.constant([]), fc.constant({}), fc.string({ maxLength: 300 }),
  fc.double(), fc.integer(), fc.boolean(), fc.constant('NaN'), fc.array(fc.integer(), { maxLength: 3000 }),
  fc.dictionary(fc.string({ maxLength: 12 }), fc.integer(), { maxKeys: 20 }), fc.jsonValue({ maxDepth: 4 }),
);

function mutate(target: unknown, path: number[], value: unknown): unknown {
  if (target === null || typeof target !== 'object') return value;
  const keys = Object.keys(target as object);
  if (!keys.length || !path.length) return value;
  const k = keys[path[0]! % keys.length]!;
  const copy: Record<string, unknown> = Array.isArray(target) ? ([...target] as unknown as Record<string, unknown>) : { ...(target as Record<string, unknown>) };
  copy[k] = path.length === 1 ? value : mutate(copy[k], path.slice(1), value);
  return copy;
}

const bodies = fc.oneof(
  fc.tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), hostile).map(([path, v]) => JSON.stringify(mutate(makeBatch(), path, v))),
  fc.tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), fc.string()).map(([path, k]) => JSON.stringify({ ...(mutate(makeBatch(), path, 1) as object), [k || 'x']: 1 })),
  fc.string({ maxLength: 500 }),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.uint8Array({ maxLength: 400 }).map((u) => Buffer.from(u).toString('latin1')),
  fc.nat({ max: 3000 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
  fc.nat({ max: 2000 }).map((n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n)),
);

const headerSets = fc.record({
  type: fc.constantFrom('application/json', 'text/plain;charset=UTF-8', 'application/octet-stream', '', 'multipart/form-data', 'application/json; charset=latin1', 'text/html'),
  gzip: fc.constantFrom('none', 'gzip', 'broken-gzip', 'zstd'),
  key: fc.constantFrom('url', 'none', 'bogus'),
});

describe('ingest fuzz', () => {
  it('answers every hostile body with a JSON 4xx (or 200 when it happens to be valid)', async () => {
    let seen4xx = 0;
    await fc.assert(fc.asyncProperty(bodies, headerSets, async (body, h) => {
      const headers: Record<string, string> = {};
      if (h.type) headers['content-type'] = h.type;
      let payload: string | Uint8Array = body;
      if (h.gzip === 'gzip') { headers['content-encoding'] = 'gzip'; payload = gzipSync(body); }
      if (h.gzip === 'broken-gzip') { headers['content-encoding'] = 'gzip'; payload = gzipSync(body).subarray(0, 12); }
      if (h.gzip === 'zstd') headers['content-encoding'] = 'zstd';
      const q = h.key === 'url' ? `?key=${KEY_SHOP}` : h.key === 'bogus' ? '?key=%00%ff' : '';
      const r = await fetch(`${c.url}/v1/batches${q}`, { method: 'POST', headers, body: payload as BodyInit });
      const text = await r.text();
      expect(r.status, text).toBeLessThan(500);
      if (r.status !== 200) {
        seen4xx++;
        expect(r.headers.get('content-type')).toMatch(/application\/json/);
        const j = JSON.parse(text);
        expect(typeof j.error.message).toBe('string');
        expect(j.error.message.length).toBeGreaterThan(5);
      }
    }), { numRuns: 400 });
    expect(seen4xx).toBeGreaterThan(300);
    // Still healthy afterwards, and nothing reached Object.prototype.
    expect((await fetch(`${c.url}/healthz`)).status).toBe(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
