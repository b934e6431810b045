// The documented Node set-up, exactly as written: an injected fake-indexeddb factory and nothing
// else. This file must NOT import 'fake-indexeddb/auto' (it installs the IDB* globals that the
// set-up has to do without); vitest runs each file in its own process, so no other file's globals leak in.
import { IDBFactory } from 'fake-indexeddb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createClient } from '../../src/sdk/client.js';
import type { DeliveryEvent } from '../../src/sdk/delivery/index.js';
import type { LoadProgress } from '../../src/sdk/fetch-model.js';
import { buildModel, manifestOf, startServer, versionEntry, type FixtureModel, type TestServer } from './delivery-fixtures.js';

const x = Float32Array.from({ length: 16 }, (_, i) => (i % 6) / 6);
let v1: FixtureModel;
let server: TestServer;

beforeAll(async () => {
  v1 = await buildModel({ bodySeed: 5, headSeed: 6, tag: 'v1' });
  server = await startServer();
  server.putModel('/digits/1', v1);
  server.putManifest(manifestOf('digits', { '1': versionEntry('digits/1/model.json', v1) }, { stable: { version: '1' } }));
});
afterAll(() => server.close());

it('createClient({ cache: { idbFactory: new IDBFactory() } }) caches models with no IDB* globals installed', async () => {
  const g = globalThis as Record<string, unknown>;
  expect([g.indexedDB, g.IDBRequest, g.IDBDatabase]).toEqual([undefined, undefined, undefined]); // the set-up under test
  const idbFactory = new IDBFactory();
  const events: DeliveryEvent[] = [];
  const open = () => createClient({ backends: ['cpu'], manifestUrl: `${server.url}/manifest.json`, cache: { idbFactory }, onDeliveryEvent: (e) => events.push(e) });

  const a = open();
  const first = await a.load('digits');
  expect(Array.from((await first.predict(x)).data)).toEqual(v1.predict([...x]).map((v) => expect.closeTo(v, 5)));
  await a.dispose();
  expect(events.filter((e) => e.type === 'cache-unavailable')).toEqual([]);
  expect(events).toContainEqual({ type: 'cache-stored', id: 'digits', version: '1', bytes: expect.any(Number) });

  const phases: LoadProgress[] = [];
  const b = open(); // a reload: same factory, fresh client
  const again = await b.load('digits', { onProgress: (p) => phases.push(p) });
  expect(phases.some((p) => p.phase === 'download' && p.source === 'cache')).toBe(true);
  expect(server.count('/digits/1/body.bin')).toBe(1);
  expect(Array.from((await again.predict(x)).data)).toEqual(v1.predict([...x]).map((v) => expect.closeTo(v, 5)));
  expect(await b.cached()).toEqual([expect.objectContaining({ id: 'digits', version: '1' })]);
  await b.dispose();
  expect(g.indexedDB).toBeUndefined(); // nothing pretends a browser IndexedDB exists
});
