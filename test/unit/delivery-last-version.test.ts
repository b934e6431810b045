// The last-resolved-version hint (localStorage) that lets a warm load read the cached model while
// the stored manifest is read: only ever a guess. Node has no localStorage, so a Map-backed
// Storage stands in for the browser's (a unit-test double; the browser path runs in bench/load).
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { createDelivery, type DeliveryOptions } from '../../src/sdk/delivery/index.js';
import { buildModel, manifestOf, predictWith, startServer, versionEntry, type FixtureModel, type TestServer } from './delivery-fixtures.js';

class MemoryStorage {
  private m = new Map<string, string>();
  getItem(k: string) { return this.m.get(k) ?? null; }
  setItem(k: string, v: string) { this.m.set(k, String(v)); }
  removeItem(k: string) { this.m.delete(k); }
  keys() { return [...this.m.keys()]; }
}

const x = Array.from({ length: 16 }, (_, i) => (i % 5) / 5);
const compile = predictWith(x);

let v1: FixtureModel, v2: FixtureModel, server: TestServer, idb: IDBFactory, storage: MemoryStorage;
const g = globalThis as { localStorage?: unknown };

beforeAll(async () => {
  v1 = await buildModel({ bodySeed: 1, headSeed: 1, tag: 'v1' });
  v2 = await buildModel({ bodySeed: 1, headSeed: 2, tag: 'v2' });
});
beforeEach(async () => {
  server = await startServer();
  idb = new IDBFactory();
  g.localStorage = storage = new MemoryStorage();
  server.putModel('/digits/1', v1);
  server.putModel('/digits/2', v2);
  server.putManifest(manifestOf('digits', { '1': versionEntry('digits/1/model.json', v1) }, { stable: { version: '1' } }));
});
afterEach(() => server.close());
afterAll(() => { delete g.localStorage; });

const client = (o: DeliveryOptions = {}) => createDelivery({ manifestUrl: `${server.url}/manifest.json`, cache: { idbFactory: idb }, installId: 'fixed', ...o });
const hint = () => JSON.parse(storage.getItem(storage.keys().find((k) => k.startsWith('inferscope:last:'))!)!);

it('a warm load with the hint serves the cached version and keeps the hint', async () => {
  expect((await client().load({ id: 'digits' }, compile)).source).toBe('network');
  expect(hint()).toEqual({ version: '1', shas: versionEntry('', v1).files.map((f) => f.sha256) });
  const r = await client().load({ id: 'digits' }, compile);
  expect(r.source).toBe('cache');
  expect(r.value).toEqual(v1.predict(x).map((v) => expect.closeTo(v, 5)));
  expect(server.count('/digits/1/body.bin')).toBe(1);
});

it('a stale hint (the channel moved to v2) is only a wasted read: v2 loads, and the hint follows', async () => {
  await client().load({ id: 'digits' }, compile);
  server.putManifest(manifestOf('digits', { '1': versionEntry('digits/1/model.json', v1), '2': versionEntry('digits/2/model.json', v2) }, { stable: { version: '2' } }));
  const r = await client({ manifestMaxAgeMs: 0 }).load({ id: 'digits' }, compile);
  expect(r.ref.version).toBe('2');
  expect(r.value).toEqual(v2.predict(x).map((v) => expect.closeTo(v, 5)));
  expect(hint().version).toBe('2');
});

it('a hint whose files differ from the manifest entry, or garbage, is ignored', async () => {
  await client().load({ id: 'digits' }, compile);
  const key = storage.keys().find((k) => k.startsWith('inferscope:last:'))!;
  storage.setItem(key, JSON.stringify({ version: '1', shas: ['0'.repeat(64)] }));
  const a = await client().load({ id: 'digits' }, compile);
  expect([a.source, a.ref.version]).toEqual(['cache', '1']);
  storage.setItem(key, '{not json');
  const b = await client().load({ id: 'digits' }, compile);
  expect([b.source, b.ref.version]).toEqual(['cache', '1']);
  expect(hint().version).toBe('1'); // rewritten by the successful load
});
