// Delivery in real Chromium (Debian's, via Playwright): IndexedDB across reloads and across two
// pages, Web Locks, a stopped server (the storage quota: delivery-quota-chromium.test.ts). The model server is a real HTTP
// server on another origin that counts every GET. Every case runs in direct mode and in worker
// mode (createClient({ worker }): delivery, IndexedDB, hashing and locks inside the worker).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright';
import { buildModel, manifestOf, startServer, versionEntry, type FixtureModel, type TestServer } from '../unit/delivery-fixtures.js';
import { bundlePage, bundleWorker, launch, openPage, startApp, type App, type Browser } from './delivery-harness.js';
import type { RunResult } from './delivery-page.js';

let js: string;
let v1: FixtureModel, v2: FixtureModel;
let app: App;
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  let workerJs: string;
  [js, workerJs, v1, v2] = await Promise.all([bundlePage(), bundleWorker(), buildModel({ bodySeed: 1, headSeed: 1, tag: 'v1' }), buildModel({ bodySeed: 1, headSeed: 9, tag: 'v2' })]);
  app = await startApp(js, workerJs);
});
afterAll(() => app.close());
beforeEach(async () => {
  server = await startServer();
  server.putModel('/digits/1', v1);
  server.putModel('/digits/2', v2);
  server.putManifest(manifestOf('digits', { '1': versionEntry('digits/1/model.json', v1) }, { stable: { version: '1' } }));
  browser = await launch();
});
afterEach(async () => {
  await browser.close();
  await server.close();
});

let worker = false; // set per mode by describe.each below
const run = (page: Page, o: { maxAgeMs?: number } = {}): Promise<RunResult> =>
  page.evaluate((a) => (globalThis as any).delivery.run(a), { manifestUrl: `${server.url}/manifest.json`, id: 'digits', worker, ...o });
const near = (m: FixtureModel) => m.predict(Array(16).fill(0.5)).map((v) => expect.closeTo(v, 4));
const modelGets = () => [...server.hits].filter(([p]) => p !== '/manifest.json').reduce((n, [, c]) => n + c, 0);
const publishV2 = () => server.putManifest(manifestOf('digits', {
  '1': versionEntry('digits/1/model.json', v1), '2': versionEntry('digits/2/model.json', v2),
}, { stable: { version: '2' } }));

describe.each(['direct', 'worker'])('delivery in Chromium, %s mode', (mode) => {
  beforeAll(() => { worker = mode === 'worker'; });

  it('a reload loads from IndexedDB with no request; v2 downloads only its changed files', async () => {
    const page = await openPage(browser.context, app.url);
    const first = await run(page);
    expect(first.error).toBeUndefined();
    // It ran where the mode says (workerFallback: false, so a worker that did not start would be an error).
    expect(first.events.some((e) => e.type === 'worker-started')).toBe(worker);
    expect([first.version, first.backend]).toEqual(['1', 'cpu']);
    expect(first.data).toEqual(near(v1));
    expect(first.phases).toContain('download:network');

    await page.reload();
    await page.waitForFunction(() => 'delivery' in globalThis);
    const before = { models: modelGets(), manifest: server.count('/manifest.json') };
    const warm = await run(page);
    expect(warm.phases).toContain('download:cache');
    expect(warm.data).toEqual(near(v1));
    expect(modelGets()).toBe(before.models);
    expect(server.count('/manifest.json')).toBe(before.manifest); // within manifestMaxAgeMs: no request at all

    publishV2();
    await page.reload();
    await page.waitForFunction(() => 'delivery' in globalThis);
    const next = await run(page, { maxAgeMs: 0 });
    expect(next.version).toBe('2');
    expect(next.data).toEqual(near(v2));
    expect(server.count('/digits/2/model.json')).toBe(1);
    expect(server.count('/digits/2/head.bin')).toBe(1);
    expect(server.count('/digits/2/body.bin')).toBe(0);
    expect(next.cached.map((c) => c.version)).toEqual(['2']);
  });

  it('two pages loading the same new version download it once (Web Locks)', async () => {
    const [a, b] = await Promise.all([openPage(browser.context, app.url), openPage(browser.context, app.url)]);
    server.delayMs = 300; // both pages are mid-load at the same time
    const [ra, rb] = await Promise.all([run(a), run(b)]);
    expect([ra.error, rb.error]).toEqual([undefined, undefined]);
    expect(ra.data).toEqual(near(v1));
    expect(rb.data).toEqual(near(v1));
    for (const f of ['model.json', 'body.bin', 'head.bin']) expect(server.count(`/digits/1/${f}`)).toBe(1);
    expect([ra.phases.includes('download:cache'), rb.phases.includes('download:cache')].sort()).toEqual([false, true]);
  });

  it('with the model server stopped, a reloaded page serves the cached version', async () => {
    const page = await openPage(browser.context, app.url);
    expect((await run(page)).version).toBe('1');
    await server.close();
    await page.reload();
    await page.waitForFunction(() => 'delivery' in globalThis);
    const offline = await run(page, { maxAgeMs: 0 });
    expect(offline.error).toBeUndefined();
    expect(offline.data).toEqual(near(v1));
    expect(offline.events).toContainEqual(expect.objectContaining({ type: 'manifest-fallback' }));
  });

  it('a corrupted shard fails with INTEGRITY naming the file, and nothing is cached', async () => {
    const body = v1.files.get('body.bin')!.slice();
    body[100] ^= 0x55;
    server.put('/digits/1/body.bin', body);
    const page = await openPage(browser.context, app.url);
    const r = await run(page);
    expect(r.error).toEqual({ code: 'INTEGRITY', message: expect.stringContaining('digits@1 body.bin: SHA-256') });
    expect(await page.evaluate(async () => {
      const db = await new Promise<IDBDatabase>((res) => { const q = indexedDB.open('inferscope-delivery'); q.onsuccess = () => res(q.result); });
      const n = await new Promise<number>((res) => { const q = db.transaction('models').objectStore('models').count(); q.onsuccess = () => res(q.result); });
      db.close();
      return n;
    })).toBe(0);
  });

  // The warm path builds while the digests run: a stored shard whose bytes changed (same size, so
  // it builds) must still never serve. Both shards, one byte each; the load after is a clean hit.
  it('a shard corrupted in IndexedDB never serves on the warm path: downloaded again once, then a clean hit', async () => {
    const page = await openPage(browser.context, app.url);
    expect((await run(page)).error).toBeUndefined();
    for (const [path, at] of [['body.bin', 1001], ['head.bin', 17]] as const) {
      const sha = versionEntry('', v1).files.find((f) => f.path === path)!.sha256;
      await page.evaluate(async ({ sha, bytes, at }) => {
        const db = await new Promise<IDBDatabase>((res, rej) => { const q = indexedDB.open('inferscope-delivery'); q.onsuccess = () => res(q.result); q.onerror = () => rej(q.error); });
        const data = Uint8Array.from(bytes);
        data[at]! ^= 0x40;
        await new Promise((res, rej) => {
          const tx = db.transaction('files', 'readwrite');
          tx.objectStore('files').put({ sha256: sha, bytes: data.byteLength, data: data.buffer });
          tx.oncomplete = res;
          tx.onerror = () => rej(tx.error);
        });
        db.close();
      }, { sha, bytes: Array.from(v1.files.get(path)!), at });
      await page.reload();
      await page.waitForFunction(() => 'delivery' in globalThis);
      const gets = server.count(`/digits/1/${path}`);
      const r = await run(page);
      expect(r.error).toBeUndefined();
      expect(r.data).toEqual(near(v1));
      expect(r.events).toContainEqual({ type: 'integrity-failure', id: 'digits', version: '1', file: path, source: 'cache' });
      expect(r.events.some((e) => e.type === 'cache-hit')).toBe(false);
      expect(server.count(`/digits/1/${path}`)).toBe(gets + 1);
      await page.reload();
      await page.waitForFunction(() => 'delivery' in globalThis);
      const models = modelGets();
      const again = await run(page);
      expect(again.events).toContainEqual(expect.objectContaining({ type: 'cache-hit' }));
      expect(again.data).toEqual(near(v1));
      expect(modelGets()).toBe(models);
    }
  });
});
