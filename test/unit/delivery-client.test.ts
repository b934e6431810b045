// client.load('digits', { channel }) through the real client (cpu backend, self-test on), delivery
// underneath: versions, atomic swap, kill switch on a running model, cached()/evict(), progress
// phases and what telemetry receives. Real HTTP server; fake-indexeddb. Every case runs in direct
// mode and in worker mode (test/support/channel-worker.ts): a factory cannot cross into the
// worker, so there the worker side finds the test's fresh IDBFactory as the global indexedDB.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import fc from 'fast-check';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rolloutBucket } from '../../src/protocol/manifest.js';
import type { Channel } from '../../src/protocol/manifest-types.js';
import { createClient, type ClientOptions } from '../../src/sdk/client.js';
import type { DeliveryEvent } from '../../src/sdk/delivery/index.js';
import type { LoadProgress } from '../../src/sdk/fetch-model.js';
import { channelWorker } from '../support/channel-worker.js';
import { buildModel, manifestOf, startServer, versionEntry, type FixtureModel, type TestServer } from './delivery-fixtures.js';

// Each predict gets x.slice(): in worker mode the array is moved to the worker (detached here).
const x = Float32Array.from({ length: 16 }, (_, i) => (i % 4) / 4);
let v1: FixtureModel, v2: FixtureModel;
let server: TestServer;
let idb: IDBFactory;
let events: DeliveryEvent[];
let inWorker = false; // set per mode by describe.each below
/** A fresh IndexedDB: passed to direct-mode clients, the global one for the worker side. */
const freshIdb = () => { idb = new IDBFactory(); (globalThis as { indexedDB: IDBFactory }).indexedDB = idb; };
const clients: { dispose(): Promise<void> }[] = [];

beforeAll(async () => {
  v1 = await buildModel({ bodySeed: 1, headSeed: 1, tag: 'v1' });
  v2 = await buildModel({ bodySeed: 1, headSeed: 7, tag: 'v2' });
});
beforeEach(async () => {
  server = await startServer();
  freshIdb();
  events = [];
  server.putModel('/digits/1', v1);
  server.putModel('/digits/2', v2);
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
  await server.close();
});

const publish = (stable: Channel) => server.putManifest(manifestOf('digits', {
  '1': versionEntry('digits/1/model.json', v1), '2': versionEntry('digits/2/model.json', v2),
}, { stable }));
let started = 0; // worker-started events, kept apart so both modes expect the same delivery events
function client(o: ClientOptions = {}) {
  const c = createClient({
    backends: ['cpu'], manifestUrl: `${server.url}/manifest.json`,
    ...(inWorker ? { worker: channelWorker(), workerFallback: false } : { cache: { idbFactory: idb }, idbFactory: idb }),
    onDeliveryEvent: (e) => { if (e.type === 'worker-started') started++; else events.push(e); }, ...o,
  });
  clients.push(c);
  return c;
}
const near = (m: FixtureModel) => m.predict([...x]).map((v) => expect.closeTo(v, 5));
const ids = Array.from({ length: 100 }, (_, i) => `install-${i}`);
const inCandidate = ids.find((id) => rolloutBucket(id, 'digits') < 5000)!;

describe.each(['direct', 'worker'])('%s mode', (mode) => {
  beforeAll(() => { inWorker = mode === 'worker'; started = 0; });
  afterAll(() => { expect(started > 0).toBe(inWorker); }); // it ran where the mode says

  describe('client.load by id', () => {
    it('loads id + channel, reports phases and sources, then serves a reload from the cache', async () => {
      publish({ version: '1' });
      const progress: LoadProgress[] = [];
      const a = client();
      const model = await a.load('digits', { channel: 'stable', onProgress: (p) => progress.push(p) });
      expect([model.id, model.version, model.backend]).toEqual(['digits', '1', 'cpu']);
      expect(Array.from((await model.predict(x.slice())).data)).toEqual(near(v1));
      expect((await model.predict(x.slice())).top?.[0]?.label).toMatch(/^[abc]$/); // labels from the manifest entry
      expect([...new Set(progress.map((p) => `${p.phase}:${p.source}`))]).toEqual(['manifest:network', 'download:network', 'verify:network', 'compile:network', 'warmup:network']);
      const last = progress.filter((p) => p.phase === 'download').at(-1)!;
      expect(last.loaded).toBe(last.total);
      expect(last.total).toBe(versionEntry('', v1).files.reduce((n, f) => n + f.bytes, 0));

      const reload: LoadProgress[] = [];
      const b = client();
      const again = await b.load('digits', { onProgress: (p) => reload.push(p) });
      expect(reload.some((p) => p.phase === 'download' && p.source === 'cache')).toBe(true);
      expect(reload.some((p) => p.source === 'network' && p.phase !== 'manifest')).toBe(false);
      expect(Array.from((await again.predict(x.slice())).data)).toEqual(near(v1));
      expect(await b.cached()).toEqual([expect.objectContaining({ id: 'digits', version: '1' })]);
      expect(await b.evict('digits')).toBe(1);
      expect(await b.cached()).toEqual([]);
      expect(Array.from((await again.predict(x.slice())).data)).toEqual(near(v1)); // the running model keeps running
    });

    it('swaps atomically when the channel moves: the old version serves until the new one passed', async () => {
      publish({ version: '1' });
      const c = client({ manifestMaxAgeMs: 100 });
      const model = await c.load('digits');
      publish({ version: '2' });
      await new Promise((r) => setTimeout(r, 150));
      // Predictions go on while v2 installs in the background (kicked by the stale manifest).
      const seen = new Set<string>();
      // Until the swap, bounded by time not by a count of turns: v2 downloads, builds and passes
      // its self-test in the background, which takes seconds on a loaded machine.
      for (const end = Date.now() + 60_000; model.version !== '2' && Date.now() < end;) {
        const r = await model.predict(x.slice());
        seen.add(Array.from(r.data).map((v) => v.toFixed(4)).join());
        await new Promise((res) => setTimeout(res, 10));
      }
      expect(model.version).toBe('2');
      expect(Array.from((await model.predict(x.slice())).data)).toEqual(near(v2));
      const answer = (m: FixtureModel) => m.predict([...x]).map((v) => v.toFixed(4)).join();
      expect([...seen].every((s) => s === answer(v1) || s === answer(v2))).toBe(true); // only v1 or v2 answers, never an error
      expect(server.count('/digits/2/body.bin')).toBe(0); // shared with v1: not downloaded again
      expect(await c.load('digits')).toBe(model); // the same handle
    });

    it('the kill switch sends a running candidate back to stable at the next revalidation', async () => {
      publish({ version: '1', candidate: { version: '2', percent: 50 } });
      const c = client({ manifestMaxAgeMs: 0, telemetry: { endpoint: `${server.url}/v1/batches`, installId: inCandidate, compress: false, webVitals: false } });
      const model = await c.load('digits');
      expect(model.version).toBe('2');
      publish({ version: '1', candidate: { version: '2', percent: 50 }, killSwitch: true });
      expect(await c.load('digits')).toBe(model);
      expect(model.version).toBe('1');
      expect(Array.from((await model.predict(x.slice())).data)).toEqual(near(v1));

      await c.flush();
      const loads = server.posts.filter((p) => p.path === '/v1/batches').flatMap((p) => JSON.parse(p.body).loads);
      expect(loads).toEqual(expect.arrayContaining([
        expect.objectContaining({ model: 'digits', version: '2', variant: 'candidate', source: 'network', backend: 'cpu' }),
        expect.objectContaining({ model: 'digits', version: '1', variant: 'stable', source: 'network' }),
      ]));
    });

    it('a candidate that fails integrity falls back to stable; telemetry gets the reason and the cache counts', async () => {
      publish({ version: '1', candidate: { version: '2', percent: 50 } });
      server.put('/digits/2/head.bin', new Uint8Array(v2.files.get('head.bin')!.byteLength)); // zeros
      const c = client({ telemetry: { endpoint: `${server.url}/v1/batches`, installId: inCandidate, compress: false, webVitals: false } });
      const model = await c.load('digits');
      expect(model.version).toBe('1');
      expect(events).toContainEqual(expect.objectContaining({ type: 'candidate-fallback', version: '2' }));
      await c.flush();
      const batches = server.posts.filter((p) => p.path === '/v1/batches').map((p) => JSON.parse(p.body));
      const load = batches.flatMap((b) => b.loads).find((l: { version: string }) => l.version === '1');
      expect(load).toMatchObject({ variant: 'stable', candidateFallback: expect.stringMatching(/^INTEGRITY: digits@2 head\.bin/) });
      expect(batches.some((b) => b.cache?.integrityFailures === 1 && b.cache.miss >= 1)).toBe(true);
    });

    it('without a manifestUrl, loading by id says what to do', async () => {
      const c = createClient({ backends: ['cpu'], cache: false });
      clients.push(c);
      await expect(c.load('digits')).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND', message: expect.stringContaining('manifestUrl') });
    });
  });

  /** A port nothing listens on: a request there fails like a dropped network. */
  async function deadPort(): Promise<number> {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const { port } = srv.address() as AddressInfo;
    await new Promise((r) => srv.close(r));
    return port;
  }

  describe('when the channel\'s new version cannot load', () => {
    // Every way v2 can fail on its way in: damaged bytes, an HTML page, a 5xx, no network at all.
    type Breakage = { code: 'INTEGRITY' | 'NETWORK'; apply(): Promise<void> };
    const file = fc.constantFrom('model.json', 'head.bin');
    const v2Entry = (url = 'digits/2/model.json') => server.putManifest(manifestOf('digits', {
      '1': versionEntry('digits/1/model.json', v1), '2': versionEntry(url, v2),
    }, { stable: { version: '2' } }));
    const serve = (f: string, body: Uint8Array | string, type?: string) => async () => { server.put(`/digits/2/${f}`, body, type); v2Entry(); };
    const breakage: fc.Arbitrary<Breakage> = fc.oneof(
      fc.record({ f: file, at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }).map(({ f, at, mask }) => {
        const b = v2.files.get(f)!.slice(); b[at % b.length] ^= mask;
        return { code: 'INTEGRITY' as const, apply: serve(f, b) };
      }),
      fc.record({ f: file, n: fc.nat() }).map(({ f, n }) => ({ code: 'INTEGRITY' as const, apply: serve(f, v2.files.get(f)!.slice(0, n % v2.files.get(f)!.length)) })),
      file.map((f) => ({ code: 'INTEGRITY' as const, apply: serve(f, '<!doctype html><html><body>app shell</body></html>', 'text/html') })),
      fc.record({ f: file, status: fc.integer({ min: 500, max: 599 }) }).map(({ f, status }) => ({ code: 'NETWORK' as const, apply: async () => { server.failPaths.set(`/digits/2/${f}`, status); v2Entry(); } })),
      fc.constant({ code: 'NETWORK' as const, apply: async () => v2Entry(`http://127.0.0.1:${await deadPort()}/digits/2/model.json`) }),
    );
    const reset = () => { freshIdb(); events = []; server.putModel('/digits/2', v2); server.failPaths.clear(); publish({ version: '1' }); };

    it('a fresh page runs the last verified cached version and says why; fallbackToCached: false fails instead', async () => {
      await fc.assert(fc.asyncProperty(breakage, async (broken) => {
        reset();
        await (await client().load('digits')).dispose();
        await broken.apply();
        const model = await client({ manifestMaxAgeMs: 0 }).load('digits');
        expect(model.version).toBe('1');
        expect(Array.from((await model.predict(x.slice())).data)).toEqual(near(v1));
        expect(events).toContainEqual({ type: 'last-good-fallback', id: 'digits', version: '1', failed: '2', reason: expect.stringMatching(new RegExp(`^${broken.code}: `)) });
        await expect(client({ manifestMaxAgeMs: 0, fallbackToCached: false }).load('digits')).rejects.toMatchObject({ code: broken.code });
        await Promise.all(clients.splice(0).map((c) => c.dispose()));
      }), { numRuns: 10 });
    });

    it('with nothing cached to fall back on, the load fails with the version\'s own error', async () => {
      reset();
      v2Entry();
      server.failPaths.set('/digits/2/head.bin', 503);
      await expect(client().load('digits')).rejects.toMatchObject({ code: 'NETWORK', message: expect.stringContaining('head.bin answered 503') });
      expect(events.filter((e) => e.type === 'last-good-fallback')).toEqual([]);
    });

    it('a running model keeps serving its version and an update-failed event says why the new one did not arrive', async () => {
      await fc.assert(fc.asyncProperty(breakage, async (broken) => {
        reset();
        const c = client({ manifestMaxAgeMs: 0 });
        const model = await c.load('digits');
        await broken.apply();
        expect(await c.load('digits')).toBe(model); // revalidates, tries v2, keeps v1
        expect(model.version).toBe('1');
        expect(Array.from((await model.predict(x.slice())).data)).toEqual(near(v1));
        expect(events).toContainEqual({ type: 'update-failed', id: 'digits', version: '2', serving: '1', reason: expect.stringMatching(new RegExp(`^${broken.code}: `)) });
        expect(events.filter((e) => e.type === 'last-good-fallback')).toEqual([]); // nothing recompiled: v1 was running
        await Promise.all(clients.splice(0).map((cl) => cl.dispose()));
      }), { numRuns: 10 });
    });
  });
});
