// Delivery in Node: real HTTP server counting requests, fake-indexeddb as the IndexedDB.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import fc from 'fast-check';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDelivery, type DeliveryEvent, type DeliveryOptions } from '../../src/sdk/delivery/index.js';
import type { Fetched } from '../../src/sdk/delivery/fetch-version.js';
import { isInferScopeError } from '../../src/sdk/errors.js';
import { buildModel, corruptStored, manifestOf, predictWith, startServer, versionEntry, type FixtureModel, type TestServer } from './delivery-fixtures.js';

const x = Array.from({ length: 16 }, (_, i) => (i % 5) / 5);
const compile = predictWith(x);

let v1: FixtureModel, v2: FixtureModel;
let server: TestServer;
let idb: IDBFactory;
let events: DeliveryEvent[];

beforeAll(async () => {
  v1 = await buildModel({ bodySeed: 1, headSeed: 1, tag: 'v1' });
  v2 = await buildModel({ bodySeed: 1, headSeed: 2, tag: 'v2' }); // same body shard, new head
});
beforeEach(async () => {
  server = await startServer();
  idb = new IDBFactory(); // a fresh, empty "browser profile"
  events = [];
  server.putModel('/digits/1', v1);
  server.putModel('/digits/2', v2);
  server.putManifest(manifestOf('digits', { '1': versionEntry('digits/1/model.json', v1) }, { stable: { version: '1' } }));
});
afterEach(() => server.close());

const client = (o: DeliveryOptions = {}) =>
  createDelivery({ manifestUrl: `${server.url}/manifest.json`, cache: { idbFactory: idb }, onEvent: (e) => events.push(e), ...o });
const modelRequests = () => [...server.hits].filter(([p]) => p !== '/manifest.json').reduce((n, [, c]) => n + c, 0);

describe('versions', () => {
  it('v1 then v2: downloads only the files v2 changed, and a reload downloads nothing', async () => {
    const a = client();
    const first = await a.load({ id: 'digits' }, compile);
    expect(first.source).toBe('network');
    expect(first.value).toEqual(v1.predict(x).map((v) => expect.closeTo(v, 5)));
    await a.dispose();

    server.putManifest(manifestOf('digits', { '1': versionEntry('digits/1/model.json', v1), '2': versionEntry('digits/2/model.json', v2) }, { stable: { version: '2' } }));
    const b = client({ manifestMaxAgeMs: 0 }); // a reload (fresh memory, same IndexedDB) that revalidates
    const second = await b.load({ id: 'digits' }, compile);
    expect(second.ref.version).toBe('2');
    expect(second.value).toEqual(v2.predict(x).map((v) => expect.closeTo(v, 5)));
    expect(server.count('/digits/2/model.json')).toBe(1);
    expect(server.count('/digits/2/head.bin')).toBe(1);
    expect(server.count('/digits/2/body.bin')).toBe(0); // same SHA-256 as v1's body: served from the store
    expect(second.downloaded).toBe(v2.files.get('model.json')!.byteLength + v2.files.get('head.bin')!.byteLength);
    expect((await b.cached()).map((c) => c.version)).toEqual(['2']);
    expect(events).toContainEqual(expect.objectContaining({ type: 'evicted', version: '1', reason: 'replaced' }));
    await b.dispose();

    const before = modelRequests();
    const manifests = server.count('/manifest.json');
    const c = client(); // a reload within manifestMaxAgeMs of the last check
    const third = await c.load({ id: 'digits' }, compile);
    expect(third.source).toBe('cache');
    expect(modelRequests()).toBe(before); // no request for model files at all
    expect(server.count('/manifest.json')).toBe(manifests); // nor for the manifest
    await c.dispose();
  });

  it('serves the cached version when the server is down, and says the manifest is the last good one', async () => {
    const a = client();
    await a.load({ id: 'digits' }, compile);
    await a.dispose();
    await server.close();
    const b = client({ manifestMaxAgeMs: 0 });
    const r = await b.load({ id: 'digits' }, compile);
    expect(r.source).toBe('cache');
    expect(r.value).toEqual(v1.predict(x).map((v) => expect.closeTo(v, 5)));
    expect(events).toContainEqual(expect.objectContaining({ type: 'manifest-fallback', reason: expect.stringContaining('unreachable') }));
    await b.dispose();
  });

  it('uses the last good manifest on a 5xx, and MANIFEST_FETCH when there is none', async () => {
    server.failWith = 503;
    await expect(client().load({ id: 'digits' }, compile)).rejects.toMatchObject({ code: 'MANIFEST_FETCH', message: expect.stringContaining('503') });
    server.failWith = null;
    await client().load({ id: 'digits' }, compile);
    server.failWith = 503;
    const r = await client({ manifestMaxAgeMs: 0 }).load({ id: 'digits' }, compile);
    expect(r.source).toBe('cache');
    expect(events).toContainEqual(expect.objectContaining({ type: 'manifest-fallback', reason: expect.stringContaining('answered 503') }));
  });

  it('revalidates the manifest with If-None-Match at most every manifestMaxAgeMs', async () => {
    // Only the clock is fake (the manifest's age is Date.now() based): slow machines can't break it.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const a = client({ manifestMaxAgeMs: 200 });
      await a.load({ id: 'digits' }, compile);
      vi.advanceTimersByTime(199);
      await a.load({ id: 'digits' }, compile);
      expect(server.count('/manifest.json')).toBe(1);
      vi.advanceTimersByTime(201);
      await a.load({ id: 'digits' }, compile);
      expect(server.count('/manifest.json')).toBe(2); // answered 304 (etag unchanged)
      server.putManifest(manifestOf('digits', { '2': versionEntry('digits/2/model.json', v2) }, { stable: { version: '2' } }));
      vi.advanceTimersByTime(201);
      expect((await a.load({ id: 'digits' }, compile)).ref.version).toBe('2');
    } finally {
      vi.useRealTimers();
    }
  });

  it('names what is missing: unknown model id, unknown channel', async () => {
    await expect(client().load({ id: 'nope' }, compile)).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND', message: expect.stringContaining('it lists: digits') });
    await expect(client().load({ id: 'digits', channel: 'beta' }, compile)).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND', message: expect.stringContaining('it has: stable') });
  });

  it('refuses an invalid manifest with MANIFEST_INVALID naming the field', async () => {
    server.put('/manifest.json', JSON.stringify({ schemaVersion: 1, models: { digits: { channels: {}, versions: { '1': { url: 'm.json' } } } } }), 'application/json');
    await expect(client().load({ id: 'digits' }, compile)).rejects.toMatchObject({ code: 'MANIFEST_INVALID', message: expect.stringContaining('models.digits.versions.1.format') });
  });
});

describe('integrity', () => {
  const bad: [string, (b: Uint8Array) => Uint8Array | string, string | RegExp][] = [
    ['corrupted', (b) => { const c = b.slice(); c[10] ^= 0xff; return c; }, /digits@1 head\.bin: SHA-256 is [0-9a-f]{64}, the manifest says/],
    ['truncated', (b) => b.slice(0, b.byteLength - 7), /digits@1 head\.bin: expected \d+ bytes, got \d+ \(truncated\)/],
    ['HTML instead of binary', () => '<!doctype html><html><body>app shell</body></html>', /head\.bin: .*an HTML page came instead of the file/],
  ];
  it.each(bad)('%s shard -> INTEGRITY naming the file, nothing cached', async (_n, mangle, message) => {
    const body = mangle(v1.files.get('head.bin')!);
    server.put('/digits/1/head.bin', body, typeof body === 'string' ? 'text/html' : 'application/octet-stream');
    const a = client();
    const err = await a.load({ id: 'digits' }, compile).catch((e) => e);
    expect(isInferScopeError(err, 'INTEGRITY')).toBe(true);
    expect(err.message).toMatch(message);
    expect(await a.cached()).toEqual([]);
    expect(events).toContainEqual({ type: 'integrity-failure', id: 'digits', version: '1', file: 'head.bin', source: 'network' });
    // The next load re-downloads the version (body.bin included: nothing was stored).
    server.putModel('/digits/1', v1);
    expect((await a.load({ id: 'digits' }, compile)).source).toBe('network');
    expect(server.count('/digits/1/body.bin')).toBe(2);
  });

  it('a bad new version leaves the cached one serving when the caller allows it', async () => {
    await client().load({ id: 'digits' }, compile);
    server.putManifest(manifestOf('digits', { '1': versionEntry('digits/1/model.json', v1), '2': versionEntry('digits/2/model.json', v2) }, { stable: { version: '2' } }));
    server.put('/digits/2/head.bin', v1.files.get('head.bin')!); // right size, wrong bytes
    await expect(client({ manifestMaxAgeMs: 0 }).load({ id: 'digits' }, compile)).rejects.toMatchObject({ code: 'INTEGRITY' });
    const r = await client({ manifestMaxAgeMs: 0 }).load({ id: 'digits' }, compile, { fallbackToCached: true });
    expect(r.ref.version).toBe('1');
    expect(r.source).toBe('cache');
    expect(events).toContainEqual({ type: 'last-good-fallback', id: 'digits', version: '1', failed: '2', reason: expect.stringMatching(/^INTEGRITY: digits@2 head\.bin: SHA-256/) });
  });

  it('a cached file corrupted on disk is detected, dropped and downloaded again', async () => {
    await client().load({ id: 'digits' }, compile);
    const db = await new Promise<IDBDatabase>((res) => { const q = idb.open('inferscope-delivery'); q.onsuccess = () => res(q.result); });
    const sha = versionEntry('', v1).files.find((f) => f.path === 'head.bin')!.sha256;
    await new Promise((res) => {
      const tx = db.transaction('files', 'readwrite');
      tx.objectStore('files').put({ sha256: sha, bytes: 60 * 4 + 12, data: new ArrayBuffer(v1.files.get('head.bin')!.byteLength) });
      tx.oncomplete = res;
    });
    db.close();
    const r = await client().load({ id: 'digits' }, compile);
    expect(r.source).toBe('network');
    expect(r.value).toEqual(v1.predict(x).map((v) => expect.closeTo(v, 5)));
    expect(events).toContainEqual({ type: 'integrity-failure', id: 'digits', version: '1', file: 'head.bin', source: 'cache' });
  });
});

describe('a cached copy corrupted on disk', () => {
  const corrupt = (path: string, mutate: (b: Uint8Array) => void) => corruptStored(idb, v1, path, mutate);

  // The warm path builds while the digests run (a pipeline), so the bad copy may be built; what
  // was built from it is disposed, never returned.
  it('same-size corruption (it would load, with wrong weights) never serves: what was built from it is disposed, the version re-installed from the network', async () => {
    await client().load({ id: 'digits' }, compile);
    await corrupt('head.bin', (b) => b.fill(0x3f)); // same size, loads fine, wrong weights (0.747 each)
    const compiled: Fetched[] = [];
    const disposed: string[] = [];
    const r = await client().load({ id: 'digits' }, async (f) => {
      compiled.push(f);
      return { y: await compile(f), dispose: () => disposed.push(f.source) };
    });
    expect(compiled.map((f) => f.source).at(-1)).toBe('network');
    expect(disposed).toEqual(compiled.filter((f) => f.source === 'cache').map((f) => f.source));
    expect(r.source).toBe('network');
    expect(r.value.y).toEqual(v1.predict(x).map((v) => expect.closeTo(v, 5)));
    expect(events).toContainEqual({ type: 'integrity-failure', id: 'digits', version: '1', file: 'head.bin', source: 'cache' });
    expect(events.filter((e) => e.type === 'cache-hit')).toHaveLength(0); // a corrupted copy is not a hit
    const again = await client().load({ id: 'digits' }, compile);
    expect(again.source).toBe('cache'); // re-installed from the network
  });

  it('a corrupted model.json (unparseable) falls back to the network instead of failing the load', async () => {
    await client().load({ id: 'digits' }, compile);
    await corrupt('model.json', (b) => { b[0] = 0x7b; b[1] = 0x7b; }); // "{{": not JSON
    const r = await client().load({ id: 'digits' }, compile);
    expect(r.source).toBe('network');
    expect(r.value).toEqual(v1.predict(x).map((v) => expect.closeTo(v, 5)));
    expect(events).toContainEqual({ type: 'integrity-failure', id: 'digits', version: '1', file: 'model.json', source: 'cache' });
  });
});

describe('direct URL loads', () => {
  it('are cached too: model.json revalidated by ETag, shards not fetched again', async () => {
    const url = `${server.url}/digits/1/model.json`;
    const a = client({ manifestUrl: undefined });
    const first = await a.load({ url }, compile);
    expect(first.source).toBe('network');
    expect(first.ref.version).toMatch(/^[0-9a-f]{12}$/);
    const r = await client({ manifestUrl: undefined }).load({ url }, compile);
    expect(r.source).toBe('cache');
    expect(server.count('/digits/1/model.json')).toBe(2); // the second answered 304
    expect(server.count('/digits/1/body.bin')).toBe(1);
  });

  it('refuse HTML served for a shard, and a short shard, with INTEGRITY', async () => {
    server.put('/digits/1/head.bin', '<!doctype html><p>index</p>', 'text/html');
    await expect(client({ manifestUrl: undefined }).load({ url: `${server.url}/digits/1/model.json` }, compile))
      .rejects.toMatchObject({ code: 'INTEGRITY', message: expect.stringContaining('head.bin: an HTML page came instead of a weight shard') });
    server.put('/digits/1/head.bin', v1.files.get('head.bin')!.slice(0, 20));
    await expect(client({ manifestUrl: undefined }).load({ url: `${server.url}/digits/1/model.json` }, compile))
      .rejects.toMatchObject({ code: 'INTEGRITY', message: expect.stringContaining('weight group 1 (head.bin) has 20 bytes') });
  });
});

describe('a shard two versions share, corrupted on disk', () => {
  // Every kind of damage a stored file can take: a flipped byte anywhere, a cut, zeros, an HTML page.
  const damage = fc.oneof(
    fc.record({ at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }).map(({ at, mask }) => (b: Uint8Array) => { const c = b.slice(); c[at % c.length] ^= mask; return c; }),
    fc.nat().map((n) => (b: Uint8Array) => b.slice(0, n % b.length)),
    fc.constant((b: Uint8Array) => new Uint8Array(b.length)),
    fc.constant((_: Uint8Array) => new TextEncoder().encode('<!doctype html><html>app shell</html>')),
  );
  const bodyGets = () => server.count('/digits/1/body.bin') + server.count('/digits/2/body.bin');

  it('is downloaded again once and written over, whichever version finds it; no load runs the bad bytes', async () => {
    server.putManifest(manifestOf('digits', { '1': versionEntry('digits/1/model.json', v1), '2': versionEntry('digits/2/model.json', v2) }, { stable: { version: '1' }, beta: { version: '2' } }));
    const sha = versionEntry('', v1).files.find((f) => f.path === 'body.bin')!.sha256;
    expect(versionEntry('', v2).files.find((f) => f.path === 'body.bin')!.sha256).toBe(sha); // shared, stored once
    await fc.assert(fc.asyncProperty(damage, fc.boolean(), async (mangle, betaFirst) => {
      idb = new IDBFactory();
      events = [];
      await client().load({ id: 'digits' }, compile);
      await client().load({ id: 'digits', channel: 'beta' }, compile);
      const before = bodyGets();
      const db = await new Promise<IDBDatabase>((res) => { const q = idb.open('inferscope-delivery'); q.onsuccess = () => res(q.result); });
      const bytes = mangle(v1.files.get('body.bin')!);
      await new Promise((res) => {
        const tx = db.transaction('files', 'readwrite');
        tx.objectStore('files').put({ sha256: sha, bytes: bytes.byteLength, data: bytes.slice().buffer });
        tx.oncomplete = res;
      });
      db.close();
      const order = betaFirst ? [['beta', v2], ['stable', v1]] as const : [['stable', v1], ['beta', v2]] as const;
      for (const [channel, m] of order) {
        const r = await client().load({ id: 'digits', channel }, compile);
        expect(r.value).toEqual(m.predict(x).map((v) => expect.closeTo(v, 5)));
      }
      expect(bodyGets() - before).toBe(1); // one re-download, stored over the bad bytes
      expect(events).toContainEqual(expect.objectContaining({ type: 'integrity-failure', file: 'body.bin', source: 'cache' }));
      for (const [channel, m] of order) { // and a later page serves both from the repaired cache
        const r = await client().load({ id: 'digits', channel }, compile);
        expect([r.source, r.value]).toEqual(['cache', m.predict(x).map((v) => expect.closeTo(v, 5))]);
      }
      expect(bodyGets() - before).toBe(1);
    }), { numRuns: 12 });
  });
});
