// The rate limit is per client (app key + client address), so one client that uses up its
// budget does not get the other users of the same app 429s. Clients are real sockets from
// distinct loopback addresses (127.x.y.z, bound with localAddress); the forwarded-for
// header counts only from a configured trusted proxy.
import { request } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_BLOG, makeBatch, startTestCollector, testConfig, type TestCollector } from './helpers.js';

function post(url: string, from: string, headers: Record<string, string> = {}): Promise<number> {
  const body = JSON.stringify(makeBatch());
  return new Promise((resolve, reject) => {
    const req = request(`${url}/v1/batches?key=${KEY_BLOG}`, { method: 'POST', localAddress: from, agent: false, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end(body);
  });
}

// Each generated case uses its own /16 of 127/8, so budgets spent by earlier cases (the
// window is 60 s) never leak into later ones.
let net = 10;
const LIMIT = 3; // the blog app's rateLimit in testConfig()

describe('rate limit per client', () => {
  let c: TestCollector;
  beforeAll(async () => { c = await startTestCollector(); });
  afterAll(async () => { await c.close(); });

  it('gives every client address its own budget, whatever the others send', async () => {
    await fc.assert(fc.asyncProperty(
      // requests per client, in an interleaved order
      fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 2, maxLength: 5 }),
      fc.integer({ min: 0, max: 1000 }),
      async (counts, seed) => {
        const base = `127.${net++}`;
        const addr = (i: number) => `${base}.${i + 1}.1`;
        const order = counts.flatMap((n, i) => Array.from({ length: n }, () => i));
        for (let k = order.length - 1; k > 0; k--) { const j = (seed * (k + 7)) % (k + 1); [order[k], order[j]] = [order[j]!, order[k]!]; }
        const got = counts.map(() => [] as number[]);
        for (const i of order) got[i]!.push(await post(c.url, addr(i)));
        counts.forEach((n, i) => {
          const expected = Array.from({ length: n }, (_, j) => (j < LIMIT ? 200 : 429));
          expect(got[i], `client ${i} of ${JSON.stringify(counts)}`).toEqual(expected);
        });
      },
    ), { numRuns: 15 });
  });

  it('ignores X-Forwarded-For unless the peer is a configured trusted proxy', async () => {
    // Untrusted: a client cannot mint fresh budgets by inventing forwarded addresses.
    const spoofed: number[] = [];
    for (let i = 0; i < 5; i++) spoofed.push(await post(c.url, '127.200.0.1', { 'x-forwarded-for': `198.51.100.${i}` }));
    expect(spoofed).toEqual([200, 200, 200, 429, 429]);

    const behindProxy = await startTestCollector({ config: testConfig({ trustProxy: ['127.201.0.1'] }) });
    try {
      // Through the trusted proxy, each forwarded client has its own budget...
      const perClient: number[][] = [[], []];
      for (let i = 0; i < 4; i++) for (const k of [0, 1]) perClient[k]!.push(await post(behindProxy.url, '127.201.0.1', { 'x-forwarded-for': `203.0.113.${k + 1}` }));
      expect(perClient).toEqual([[200, 200, 200, 429], [200, 200, 200, 429]]);
      // ...and from any other peer the header is ignored again.
      const other: number[] = [];
      for (let i = 0; i < 4; i++) other.push(await post(behindProxy.url, '127.202.0.1', { 'x-forwarded-for': `203.0.113.${50 + i}` }));
      expect(other).toEqual([200, 200, 200, 429]);
    } finally {
      await behindProxy.close();
    }
  });
});
