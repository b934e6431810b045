// Node tier, no `fake-indexeddb/auto`: telemetry's outbox with only an injected factory
// (`telemetry: { idbFactory: new IDBFactory() }`, as README's Node set-up says for the cache). The
// collector fails in generated ways (5xx, 429 with Retry-After, network errors) while predictions
// are made and flushed; the page is disposed; a second page on the same storage, with the collector
// back, delivers every accepted prediction exactly once. (Before, the outbox could not open
// without the IDB* globals, fell back to memory without a word, and the first page's predictions
// were gone with it.)
import '@tensorflow/tfjs-backend-cpu';
import { IDBFactory } from 'fake-indexeddb';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createClient } from '../../src/index.js';
import { ensureFixtures } from '../support/fixtures.js';
import { serveStatic, type StaticServer } from '../support/fixtures-server.js';

let server: StaticServer;
beforeAll(async () => { await ensureFixtures(); server = await serveStatic(); });
afterAll(async () => { await server?.close(); });

type Failure = { status: number; retryAfter?: string } | 'network-error';
const failure: fc.Arbitrary<Failure> = fc.oneof(
  fc.constantFrom(500, 502, 503).map((status) => ({ status })),
  fc.constant({ status: 429, retryAfter: '0' }),
  fc.constant('network-error' as const),
);

/** Every `predictions` count in a batch (one per model/version/backend/window aggregate). */
function predictionsIn(v: unknown, key = ''): number {
  if (key === 'predictions' && typeof v === 'number') return v;
  if (!v || typeof v !== 'object') return 0;
  return Object.entries(v).reduce((n, [k, x]) => n + predictionsIn(x, k), 0);
}

test('predictions of a page whose collector was down arrive with the next page, once', async () => {
  await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 6 }), fc.array(failure, { minLength: 1, maxLength: 4 }), async (made, failures) => {
    const factory = new IDBFactory();
    const delivered = new Map<string, number>(); // batch id -> predictions, counted once
    let up = false;
    let tries = 0;
    const collector = (async (_u: RequestInfo | URL, init?: RequestInit) => {
      const raw = init!.body;
      const body = JSON.parse(typeof raw === 'string' ? raw : new TextDecoder().decode(raw as Uint8Array)) as { batchId: string };
      if (!up) {
        const f = failures[tries++ % failures.length]!;
        if (f === 'network-error') throw new TypeError('Failed to fetch');
        return new Response('{}', { status: f.status, headers: f.retryAfter ? { 'retry-after': f.retryAfter } : {} });
      }
      delivered.set(body.batchId, predictionsIn(body));
      return new Response('{"ok":true}', { status: 200 });
    }) as typeof fetch;
    const page = () => createClient({
      backends: ['cpu'], idbFactory: false, cache: false, manifestUrl: `${server.url}/models/manifest.json`,
      telemetry: { endpoint: 'http://collector.test/v1/batches', appKey: 'pk_test', fetch: collector, compress: false, webVitals: false, idbFactory: factory },
    });

    const first = page();
    const model = await first.load('penguins');
    for (let i = 0; i < made; i++) await model.predict([[40, 18, 200, 4]]);
    await first.flush();
    expect(tries).toBeGreaterThan(0); // it was sent, and refused
    await first.dispose();

    up = true;
    const second = page();
    await second.load('penguins'); // starts telemetry, which drains the outbox (after any backoff)
    for (let waited = 0; [...delivered.values()].reduce((a, b) => a + b, 0) < made && waited < 600; waited++) {
      await second.flush();
      await new Promise((r) => setTimeout(r, 100));
    }
    await second.dispose();
    expect([...delivered.values()].reduce((a, b) => a + b, 0)).toBe(made);
  }), { numRuns: 6 });
}, 300_000);
