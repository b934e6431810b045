// The warm path is a pipeline: a cached version is built while the SHA-256 digests of its
// files run, and the model is revealed only when every digest matched. These tests hold the
// digests back until the model built from the cached bytes exists (as a slow digest would), then
// check that a corrupted file never reaches the caller: what was built from it is disposed, and
// the version is downloaded again. Real client (cpu backend), real HTTP server, fake-indexeddb.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createClient } from '../../src/sdk/client.js';
import type { DeliveryEvent } from '../../src/sdk/delivery/index.js';
import { buildModel, corruptStored, manifestOf, startServer, versionEntry, type FixtureModel, type TestServer } from './delivery-fixtures.js';

const x = Float32Array.from({ length: 16 }, (_, i) => (i % 4) / 4);
let v1: FixtureModel;
let server: TestServer;

beforeAll(async () => { v1 = await buildModel({ bodySeed: 3, headSeed: 4, tag: 'pipeline' }); });
beforeEach(async () => {
  server = await startServer();
  server.putModel('/digits/1', v1);
  server.putManifest(manifestOf('digits', { '1': versionEntry('digits/1/model.json', v1) }, { stable: { version: '1' } }));
});
afterEach(async () => { vi.restoreAllMocks(); await server.close(); });

const corrupt = (idb: IDBFactory, path: string, mutate: (b: Uint8Array) => void) => corruptStored(idb, v1, path, mutate);

/**
 * Digests answer only once `gate` opens; `log` gets 'digest' as each held one answers. The gates
 * open when the model is built, or after SAFETY_MS, which only keeps a sequential load (digests
 * first, build after: the code before the pipeline) from waiting forever. It was 1.5 s: on a
 * loaded CI machine building the model took longer, the digests answered first, and a correct
 * pipeline failed ('digest' before 'built'). A correct run never waits for it.
 */
const SAFETY_MS = 20_000;
const safety = () => new Promise((r) => setTimeout(r, SAFETY_MS).unref());
function holdDigests(gate: Promise<unknown>, log: string[]) {
  const subtle = globalThis.crypto.subtle;
  const real = subtle.digest.bind(subtle);
  vi.spyOn(subtle, 'digest').mockImplementation(async (alg, data) => {
    const h = await real(alg, data);
    await gate;
    log.push('digest');
    return h;
  });
}

const near = (m: FixtureModel) => m.predict([...x]).map((v) => expect.closeTo(v, 5));
const shards = ['body.bin', 'head.bin'];

describe('warm path pipeline', () => {
  it('builds from the cached bytes before their digests answer, and reveals the model only after', async () => {
    const idb = new IDBFactory();
    const opts = { backends: ['cpu' as const], manifestUrl: `${server.url}/manifest.json`, cache: { idbFactory: idb }, idbFactory: idb };
    const first = createClient(opts);
    await first.load('digits');
    await first.dispose();
    const log: string[] = [];
    let open!: () => void;
    const gate = new Promise<void>((r) => { open = r; });
    holdDigests(Promise.race([gate, safety()]), log);
    const warm = createClient(opts);
    const loading = warm.load('digits', { onProgress: (p) => { if (p.phase === 'warmup' && p.source === 'cache') log.push('built'); } })
      .then((m) => { log.push('revealed'); return m; });
    await vi.waitFor(() => expect(log).toContain('built'), { timeout: 30_000 });
    // Built, digests still held: nothing may be revealed however long they take.
    await Promise.race([loading, new Promise((r) => setTimeout(r, 300))]);
    expect(log).toEqual(['built']);
    open();
    const model = await loading;
    expect(log).toEqual(['built', 'digest', 'digest', 'digest', 'revealed']); // model.json and 2 shards
    expect(Array.from((await model.predict(x)).data)).toEqual(near(v1));
    await warm.dispose();
  });

  it('a corrupted shard never serves, even though the model was built from it before its digest answered (generated corruptions)', async () => {
    await fc.assert(fc.asyncProperty(
      fc.constantFrom(...shards), fc.nat(), fc.integer({ min: 1, max: 255 }),
      async (path, at, mask) => {
        const idb = new IDBFactory();
        const events: DeliveryEvent[] = [];
        const opts = { backends: ['cpu' as const], manifestUrl: `${server.url}/manifest.json`, cache: { idbFactory: idb }, idbFactory: idb, onDeliveryEvent: (e: DeliveryEvent) => events.push(e) };
        const first = createClient(opts);
        await first.load('digits');
        await first.dispose();
        await corrupt(idb, path, (b) => { b[at % b.byteLength] ^= mask; });
        const want = near(v1); // (the fixture's own predict keeps its tensors: before the count)
        const tensors = tf.memory().numTensors;
        const log: string[] = [];
        let built!: () => void;
        holdDigests(Promise.race([new Promise<void>((r) => { built = r; }), safety()]), log);
        const warm = createClient(opts);
        const model = await warm.load('digits', { onProgress: (p) => { if (p.phase === 'warmup' && p.source === 'cache') { log.push('built'); built(); } } });
        vi.restoreAllMocks();
        expect(log[0]).toBe('built'); // building did start before the digest answered
        expect(Array.from((await model.predict(x)).data)).toEqual(want);
        expect(events).toContainEqual({ type: 'integrity-failure', id: 'digits', version: '1', file: path, source: 'cache' });
        expect(events.filter((e) => e.type === 'cache-hit')).toHaveLength(0);
        expect(events).toContainEqual(expect.objectContaining({ type: 'cache-miss', id: 'digits', version: '1' }));
        await warm.dispose();
        // The model built from the bad bytes was disposed: no tensors outlive the client.
        expect(tf.memory().numTensors).toBe(tensors);
        // Re-installed: the next load is a verified cache hit.
        const again = createClient(opts);
        await again.load('digits');
        await again.dispose();
        expect(events.at(-1)).toEqual(expect.objectContaining({ type: 'cache-hit' }));
      },
    ), { numRuns: 10 });
  });

  it('a corrupted model.json (parseable or not) never serves: the network copy does', async () => {
    await fc.assert(fc.asyncProperty(fc.nat(), fc.integer({ min: 1, max: 255 }), async (at, mask) => {
      const idb = new IDBFactory();
      const events: DeliveryEvent[] = [];
      const opts = { backends: ['cpu' as const], manifestUrl: `${server.url}/manifest.json`, cache: { idbFactory: idb }, idbFactory: idb, onDeliveryEvent: (e: DeliveryEvent) => events.push(e) };
      const first = createClient(opts);
      await first.load('digits');
      await first.dispose();
      await corrupt(idb, 'model.json', (b) => { b[at % b.byteLength] ^= mask; });
      const warm = createClient(opts);
      const model = await warm.load('digits');
      expect(Array.from((await model.predict(x)).data)).toEqual(near(v1));
      expect(events).toContainEqual({ type: 'integrity-failure', id: 'digits', version: '1', file: 'model.json', source: 'cache' });
      await warm.dispose();
    }), { numRuns: 10 });
  });
});
