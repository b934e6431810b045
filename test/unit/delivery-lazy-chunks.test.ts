// The manifest validator and the cache writer are lazy chunks (#14, the direct-mode core's size).
// What a user would notice is time to first prediction, so this proves where they load:
// - a warm load, by id or by URL (stored manifest still fresh, version cached), imports neither: its path is the
//   same code as before they moved;
// - a cold load requests each while the network request that needs it is still in flight: the
//   validator before the manifest's response is handed back, the writer before any weight shard's.
//   The test's fetch holds those responses until the chunk has been requested (no timing race;
//   the 20 s bound only turns a never into a failure: a chunk's import goes through vitest's
//   module runner, seconds on a loaded CI machine, so a tighter bound could fail a correct SDK).
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { buildModel, manifestOf, predictWith, startServer, versionEntry, type FixtureModel, type TestServer } from './delivery-fixtures.js';

// Records when a chunk is requested: the factory runs at the module's first import in a graph.
const h = (() => {
  const requested = new Map<string, () => void>();
  const seen = new Map<string, Promise<void>>();
  const log: string[] = [];
  const waitFor = (name: string) => {
    if (!seen.has(name)) seen.set(name, new Promise<void>((r) => requested.set(name, r)));
    return seen.get(name)!;
  };
  const mark = (name: string) => { log.push(name); waitFor(name); requested.get(name)?.(); };
  return { log, mark, waitFor, reset: () => { log.length = 0; requested.clear(); seen.clear(); } };
})();

/** A fresh module graph (as a new page has) whose chunk imports are recorded. */
async function freshDelivery() {
  vi.resetModules();
  h.reset();
  vi.doMock('../../src/protocol/manifest.js', async (original) => { h.mark('validator'); return original(); });
  vi.doMock('../../src/sdk/delivery/save.js', async (original) => { h.mark('writer'); return original(); });
  vi.doMock('../../src/sdk/delivery/remove.js', async (original) => { h.mark('remove'); return original(); });
  return (await import('../../src/sdk/delivery/index.js')).createDelivery;
}

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

/** Holds a response until `chunk` has been requested; records 'late:<chunk>' if that never happens. */
async function heldUntil(chunk: string): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const never = new Promise<void>((r) => { timer = setTimeout(() => { h.log.push(`late:${chunk}`); r(); }, 20_000); });
  try { await Promise.race([h.waitFor(chunk), never]); } finally { clearTimeout(timer); }
}
const gatedFetch: typeof fetch = async (input, init) => {
  const url = String(input);
  const res = await fetch(input, init);
  if (url.endsWith('/manifest.json')) await heldUntil('validator');
  if (url.endsWith('.bin')) await heldUntil('writer');
  return res;
};

describe('lazy delivery chunks', () => {
  test.each(['id', 'url'] as const)('cold by %s: each chunk is requested while its request is in flight; warm: neither loads', async (by) => {
    const idb = new IDBFactory();
    const options = { manifestUrl: `${server.url}/manifest.json`, cache: { idbFactory: idb }, fetch: gatedFetch };
    const target = by === 'id' ? { id: 'digits' } : { url: `${server.url}/digits/1/model.json` };
    const cold = (await freshDelivery())(options);
    const first = await cold.load(target, predictWith(x));
    expect(first.source).toBe('network');
    expect(h.log.filter((l) => l.startsWith('late:'))).toEqual([]);
    expect(h.log).toEqual(expect.arrayContaining(by === 'id' ? ['validator', 'writer'] : ['writer']));
    expect((await cold.cached()).map((c) => c.id)).toEqual([by === 'id' ? 'digits' : target.url]);
    await cold.dispose();

    // A reload: a fresh module graph, the same IndexedDB.
    const warm = (await freshDelivery())(options);
    const again = await warm.load(target, predictWith(x));
    expect(again.source).toBe('cache');
    expect(again.value).toEqual(v1.predict(x).map((v) => expect.closeTo(v, 5)));
    expect(h.log).toEqual([]);
    await warm.dispose();
  });
});
