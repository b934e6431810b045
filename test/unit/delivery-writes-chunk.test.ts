// Storing and removing cached versions is a lazy chunk (save.ts, remove.ts): a warm load never
// writes. When that chunk cannot be fetched (the page went offline after the model's bytes came, or
// a deploy removed the old chunk), a fresh install still loads and runs from memory with a
// `cache-unavailable` event that says why, nothing half-stored is left behind, and evict()
// rejects with CACHE_UNAVAILABLE instead of an import's TypeError.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { createDelivery, type DeliveryEvent } from '../../src/sdk/delivery/index.js';
import { isInferScopeError } from '../../src/sdk/errors.js';
import { buildModel, manifestOf, predictWith, startServer, versionEntry, type FixtureModel, type TestServer } from './delivery-fixtures.js';

vi.mock('../../src/sdk/delivery/save.js', () => {
  throw new TypeError('Failed to fetch dynamically imported module: save.js');
});
vi.mock('../../src/sdk/delivery/remove.js', () => {
  throw new TypeError('Failed to fetch dynamically imported module: remove.js');
});

const x = Array.from({ length: 16 }, (_, i) => (i % 5) / 5);
let v1: FixtureModel;
let server: TestServer;

beforeAll(async () => {
  v1 = await buildModel({ bodySeed: 1, headSeed: 1, tag: 'v1' });
  server = await startServer();
  server.putModel('/digits/1', v1);
  server.putManifest(manifestOf('digits', { '1': versionEntry('digits/1/model.json', v1) }, { stable: { version: '1' } }));
});
afterAll(() => server.close());

describe('delivery when the cache-writing chunk cannot load', () => {
  test('by id or by URL, each load runs from memory with the reason, and evict() says CACHE_UNAVAILABLE', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom('id', 'url'), fc.integer({ min: 1, max: 3 }), async (by, loads) => {
      const idb = new IDBFactory(); // a fresh profile per case
      const events: DeliveryEvent[] = [];
      const d = createDelivery({ manifestUrl: `${server.url}/manifest.json`, cache: { idbFactory: idb }, onEvent: (e) => events.push(e) });
      const target = by === 'id' ? { id: 'digits' } : { url: `${server.url}/digits/1/model.json` };
      for (let i = 0; i < loads; i++) {
        const got = await d.load(target, predictWith(x));
        expect(got.source).toBe('network'); // nothing was stored, so every load downloads again
        expect(got.value).toEqual(v1.predict(x).map((v) => expect.closeTo(v, 5)));
      }
      const why = events.filter((e) => e.type === 'cache-unavailable') as { reason: string }[];
      expect(why).toHaveLength(loads);
      for (const e of why) expect(e.reason).toMatch(/cache-writing code could not be loaded .*runs from memory/);
      expect(events.some((e) => e.type === 'cache-stored')).toBe(false);
      expect(await d.cached()).toEqual([]);
      const err = await d.evict('digits').then(() => null, (e: unknown) => e);
      expect(isInferScopeError(err, 'CACHE_UNAVAILABLE')).toBe(true);
      expect((err as Error).message).toMatch(/evict\(\): .*could not be loaded/);
      await d.dispose();
    }), { numRuns: 6 });
  });
});
