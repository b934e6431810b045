// The origin's storage quota in real Chromium, set with CDP Storage.overrideQuotaForOrigin, in a
// persistent profile and in a non-persistent (in-memory) context. navigator.storage.estimate()
// reports quota as usage + about 10 GiB here whatever the real quota is, so delivery must learn
// the quota from the writes it refuses. Three models of ~410 KB and one of ~1.2 MB. Each case in
// direct mode and in worker mode (the same origin's quota binds the worker's IndexedDB writes).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright';
import { buildModel, startServer, versionEntry, type FixtureModel, type TestServer } from '../unit/delivery-fixtures.js';
import { bundlePage, bundleWorker, launch, launchEphemeral, openPage, startApp, type App, type Browser } from './delivery-harness.js';
import type { RunResult } from './delivery-page.js';

const INPUTS = 100;
let js: string;
let m: Record<'a' | 'b' | 'c' | 'big', FixtureModel>;
let app: App;
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  const [bundle, workerJs, a, b, c, big] = await Promise.all([
    bundlePage(), bundleWorker(),
    ...[1, 2, 3].map((s) => buildModel({ bodySeed: s, headSeed: s, inputs: INPUTS, hidden: 1000, tag: `m${s}` })),
    buildModel({ bodySeed: 4, headSeed: 4, inputs: INPUTS, hidden: 3000, tag: 'big' }),
  ]);
  js = bundle;
  m = { a: a as FixtureModel, b: b as FixtureModel, c: c as FixtureModel, big: big as FixtureModel };
  app = await startApp(js, workerJs as string);
});
afterAll(() => app.close());

const size = (id: keyof typeof m) => [...m[id].files.values()].reduce((n, b) => n + b.byteLength, 0);
const near = (id: keyof typeof m) => m[id].predict(Array(INPUTS).fill(0.5)).map((v) => expect.closeTo(v, 4));
const quotaEvents = (r: RunResult) => r.events.filter((e) => e.type === 'evicted' || (e.type === 'cache-unavailable'));

const setups = [['persistent profile', launch], ['non-persistent context', launchEphemeral]] as const;
describe.each(setups.flatMap(([name, start]) => (['direct', 'worker'] as const).map((mode) => [name, mode, start] as const)))('storage quota, %s, %s mode', (_name, mode, start) => {
  let page: Page;
  beforeEach(async () => {
    server = await startServer();
    for (const id of Object.keys(m) as (keyof typeof m)[]) server.putModel(`/${id}/1`, m[id]);
    server.putManifest({
      schemaVersion: 1,
      models: Object.fromEntries(Object.keys(m).map((id) => [id, { channels: { stable: { version: '1' } }, versions: { '1': versionEntry(`${id}/1/model.json`, m[id as keyof typeof m]) } }])),
    });
    browser = await start();
    page = await openPage(browser.context, app.url);
  });
  afterEach(async () => {
    await browser.close();
    await server.close();
  });

  /** Quota = what the origin uses now (the page, an empty database) + `room` bytes. */
  async function setRoom(room: number) {
    // Create the database and its meta first so that they count in the baseline.
    const usage = await page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: app.url, quotaSize: usage + room });
  }
  const run = async (id: keyof typeof m) => {
    const r: RunResult = await page.evaluate((a) => (globalThis as any).delivery.run(a), { manifestUrl: `${server.url}/manifest.json`, id, inputs: INPUTS, worker: mode === 'worker' });
    expect(r.error).toBeUndefined();
    expect(r.data).toEqual(near(id)); // every load predicts right, stored or not
    return r;
  };
  const cachedIds = (r: RunResult) => r.cached.map((c) => c.id).sort();

  it('a quota below one version: runs from memory, QUOTA_EXCEEDED, nothing stored', async () => {
    await setRoom(Math.floor(size('a') / 2));
    const r = await run('a');
    expect(r.cached).toEqual([]);
    expect(quotaEvents(r)).toEqual([{ type: 'cache-unavailable', code: 'QUOTA_EXCEEDED', reason: expect.stringContaining(`a@1 (${size('a')} bytes)`) }]);
    expect((await run('a')).phases).toContain('download:network');
  });

  it('room for one of two: the older one makes way for the new one', async () => {
    await setRoom(Math.floor(size('a') * 1.5));
    expect(cachedIds(await run('a'))).toEqual(['a']);
    const r = await run('b');
    expect(quotaEvents(r)).toEqual([{ type: 'evicted', id: 'a', version: '1', bytes: size('a'), reason: 'quota' }]);
    expect(cachedIds(r)).toEqual(['b']);
    expect((await run('b')).phases).toContain('download:cache');
  });

  it('room for two of three: the least recently used one version goes, nothing more', async () => {
    await setRoom(Math.floor(size('a') * 2.5));
    await run('a');
    expect(cachedIds(await run('b'))).toEqual(['a', 'b']);
    expect((await run('a')).phases).toContain('download:cache'); // a is now more recent than b
    const r = await run('c');
    expect(quotaEvents(r)).toEqual([{ type: 'evicted', id: 'b', version: '1', bytes: size('b'), reason: 'quota' }]);
    expect(cachedIds(r)).toEqual(['a', 'c']);
    expect((await run('a')).phases).toContain('download:cache');
    expect((await run('c')).phases).toContain('download:cache');
  });

  it('a version larger than all the room there is: served from the network, every cached version kept', async () => {
    await setRoom(Math.floor(size('a') * 2.5));
    await run('a');
    await run('b');
    expect(size('big')).toBeGreaterThan(size('a') * 2.5);
    const r = await run('big');
    expect(quotaEvents(r)).toEqual([{ type: 'cache-unavailable', code: 'QUOTA_EXCEEDED', reason: expect.stringContaining('big@1') }]);
    expect(cachedIds(r)).toEqual(['a', 'b']);
    expect((await run('a')).phases).toContain('download:cache');
    expect((await run('b')).phases).toContain('download:cache');
  });
});
