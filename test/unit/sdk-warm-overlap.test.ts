// A warm load sends its IndexedDB reads before the backend's self-test starts. In a browser the
// self-test holds the main thread for milliseconds, and an IndexedDB answer that arrives meanwhile
// waits for it: run first, it pushed the database open and every read behind it. Sent first,
// the reads are served while it runs. Here (Node: real client, cpu backend, real HTTP server,
// fake-indexeddb, a Map-backed localStorage as the browser's) the order is checked directly: every
// IndexedDB request is written down as it is sent, and the self-test as it starts. The modules the
// load imports lazily are loaded first, so their import does not decide the order.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createClient } from '../../src/sdk/client.js';
import { createDelivery } from '../../src/sdk/delivery/index.js';
import { buildModel, manifestOf, startServer, versionEntry, type FixtureModel, type TestServer } from './delivery-fixtures.js';

class MemoryStorage {
  private m = new Map<string, string>();
  getItem(k: string) { return this.m.get(k) ?? null; }
  setItem(k: string, v: string) { this.m.set(k, String(v)); }
  removeItem(k: string) { this.m.delete(k); }
}

const x = Float32Array.from({ length: 16 }, (_, i) => (i % 3) / 3);
const g = globalThis as { localStorage?: unknown };
let v1: FixtureModel;
let server: TestServer;
let idb: IDBFactory;

beforeAll(async () => {
  v1 = await buildModel({ bodySeed: 5, headSeed: 6, tag: 'overlap' });
  await Promise.all([import('../../src/sdk/place.js'), import('@tensorflow/tfjs-backend-cpu'), import('../../src/sdk/delivery/save.js')]);
});
beforeEach(async () => {
  g.localStorage = new MemoryStorage();
  idb = new IDBFactory();
  server = await startServer();
  server.putModel('/digits/1', v1);
  server.putManifest(manifestOf('digits', { '1': versionEntry('digits/1/model.json', v1) }, { stable: { version: '1' } }));
  // Install the version (and the page's last-version hint) without touching a backend.
  const installer = createDelivery({ manifestUrl: `${server.url}/manifest.json`, cache: { idbFactory: idb } });
  await installer.load({ id: 'digits' }, async () => 0);
  await installer.dispose();
});
afterEach(async () => { vi.restoreAllMocks(); await server.close(); });
afterAll(() => { delete g.localStorage; });

/** Writes 'read:<store>' into `log` as each IndexedDB get is sent. */
function logReads(log: string[]) {
  const real = IDBObjectStore.prototype.get;
  vi.spyOn(IDBObjectStore.prototype, 'get').mockImplementation(function (this: IDBObjectStore, key: IDBValidKey | IDBKeyRange) {
    log.push(`read:${this.name}`);
    return real.call(this, key);
  });
}

describe('warm load: reads before the self-test', () => {
  it('sends the stored manifest, record and file reads before the self-test starts, and the model still answers right', async () => {
    const log: string[] = [];
    logReads(log);
    const client = createClient({
      backends: ['cpu'], manifestUrl: `${server.url}/manifest.json`, cache: { idbFactory: idb }, idbFactory: false,
      testHooks: { onSelfTest: (name) => log.push(`self-test:${name}`) },
    });
    const model = await client.load('digits');
    const selfTest = log.indexOf('self-test:cpu');
    expect(selfTest).toBeGreaterThan(-1);
    const before = log.slice(0, selfTest);
    expect(before).toContain('read:meta'); // the stored manifest
    expect(before).toContain('read:models'); // the version's record
    expect(before.filter((e) => e === 'read:files')).toHaveLength(3); // model.json and both shards
    expect(model.backend).toBe('cpu');
    expect(Array.from((await model.predict(x)).data)).toEqual(v1.predict([...x]).map((v) => expect.closeTo(v, 5)));
    await client.dispose();
  });

  it('a backend that fails its self-test is still never used: the next one serves, with the reason', async () => {
    const log: string[] = [];
    const client = createClient({
      backends: ['wasm', 'cpu'], manifestUrl: `${server.url}/manifest.json`, cache: { idbFactory: idb }, idbFactory: false,
      // wasm's self-test is made to compute wrong numbers (tfjs's wasm backend runs in Node).
      testHooks: { corruptSelfTest: ['wasm'], onSelfTest: (name) => log.push(`self-test:${name}`) },
    });
    const model = await client.load('digits');
    expect(log).toEqual(['self-test:wasm', 'self-test:cpu']);
    expect(model.backend).toBe('cpu');
    expect(model.fallbacks).toEqual([{ backend: 'wasm', reason: expect.stringContaining('self-test') }]);
    await client.dispose();
  });

  it('with the cache off the self-test still runs and the model loads from the network', async () => {
    const log: string[] = [];
    const client = createClient({
      backends: ['cpu'], manifestUrl: `${server.url}/manifest.json`, cache: false, idbFactory: false,
      testHooks: { onSelfTest: (name) => log.push(`self-test:${name}`) },
    });
    const model = await client.load('digits');
    expect(log).toEqual(['self-test:cpu']);
    expect(Array.from((await model.predict(x)).data)).toEqual(v1.predict([...x]).map((v) => expect.closeTo(v, 5)));
    await client.dispose();
  });
});
