// Worker mode's warm load gets the last-version hint too (delivery/last-version.ts). The hint lives
// in localStorage, which a worker lacks: the page hands its copy over with init() and writes back what
// the worker stores (proxy/page-passes.ts, worker/worker-passes.ts). Without it the worker read the
// version's record and files only after the stored manifest had resolved, one IndexedDB round trip
// after the other (BENCHMARKS.md main-thread, "Warm load timeline"). Here the worker side
// (createHost, the code the worker script runs) in Node with no localStorage at all, fake-indexeddb,
// a real HTTP server and the cpu backend; IndexedDB reads and the SDK's marks written down in order.
import 'fake-indexeddb/auto';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { createHost } from '../../src/sdk/worker/host.js';
import { buildModel, manifestOf, startServer, versionEntry, type FixtureModel, type TestServer } from './delivery-fixtures.js';

let v1: FixtureModel;
let server: TestServer;
beforeAll(async () => {
  v1 = await buildModel({ bodySeed: 7, headSeed: 8, tag: 'hint' });
  server = await startServer();
  server.putModel('/digits/1', v1);
  server.putManifest(manifestOf('digits', { '1': versionEntry('digits/1/model.json', v1) }, { stable: { version: '1' } }));
});
afterAll(async () => { await server.close(); });
afterEach(() => { vi.restoreAllMocks(); });

/** One worker's client: the page's entries handed over at init, its writes collected in `saved`. */
async function workerLoad(entries: Record<string, string>, saved: Record<string, string | null>) {
  const host = createHost();
  host.init({ manifestUrl: `${server.url}/manifest.json`, backends: ['cpu'] }, undefined, entries, (k, v) => { saved[k] = v; });
  const info = await host.load('digits', {});
  await host.dispose();
  return info;
}

it('the page keeps the worker\'s hint, and with it handed over a warm load reads the version before its manifest resolved', async () => {
  expect((globalThis as { localStorage?: unknown }).localStorage).toBeUndefined();
  const saved: Record<string, string | null> = {};
  await workerLoad({}, saved); // cold: from the network, into IndexedDB
  const key = `inferscope:last:${server.url}/manifest.json|digits|stable`;
  expect(JSON.parse(saved[key]!)).toEqual({ version: '1', shas: versionEntry('', v1).files.map((f) => f.sha256) });

  const log: string[] = [];
  const get = IDBObjectStore.prototype.get;
  vi.spyOn(IDBObjectStore.prototype, 'get').mockImplementation(function (this: IDBObjectStore, k: IDBValidKey | IDBKeyRange) { log.push(`read:${this.name}`); return get.call(this, k); });
  const mark = performance.mark.bind(performance);
  vi.spyOn(performance, 'mark').mockImplementation((name: string, o?: PerformanceMarkOptions) => { log.push(name); return mark(name, o); });
  const warm: Record<string, string | null> = {};
  const info = await workerLoad(saved as Record<string, string>, warm);
  expect(info).toMatchObject({ id: 'digits', version: '1', backend: 'cpu' });
  expect(log).toContain('inferscope:cache-read');
  // The record read went out with the stored manifest's read, not after it resolved.
  expect(log.indexOf('read:models')).toBeGreaterThan(-1);
  expect(log.indexOf('read:models')).toBeLessThan(log.indexOf('inferscope:manifest'));
  expect(warm[key]).toBeUndefined(); // the same version: nothing to write back
});

it('a hint for another version is only a wasted read: the manifest decides, and the page gets the right one', async () => {
  const key = `inferscope:last:${server.url}/manifest.json|digits|stable`;
  const wrong = JSON.stringify({ version: '0', shas: ['0'.repeat(64)] });
  const saved: Record<string, string | null> = {};
  const info = await workerLoad({ [key]: wrong, 'inferscope:last:garbage': '{' }, saved);
  expect(info).toMatchObject({ version: '1', backend: 'cpu' });
  expect(JSON.parse(saved[key]!).version).toBe('1');
});
