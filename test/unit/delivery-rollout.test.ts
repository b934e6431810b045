// Staged rollout, candidate fallback, storage limits and a missing IndexedDB, in Node
// (real HTTP server, fake-indexeddb). The origin's storage quota: delivery-quota.test.ts.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rolloutBucket } from '../../src/protocol/manifest.js';
import type { Channel } from '../../src/protocol/manifest-types.js';
import type { CacheEvent } from '../../src/sdk/telemetry/types.js';
import { createDelivery, type DeliveryEvent, type DeliveryOptions } from '../../src/sdk/delivery/index.js';
import type { Fetched } from '../../src/sdk/delivery/fetch-version.js';
import { buildModel, manifestOf, predictWith, startServer, versionEntry, type FixtureModel, type TestServer } from './delivery-fixtures.js';

const x = Array.from({ length: 16 }, (_, i) => (i % 3) / 3);
const compile = predictWith(x);

let v1: FixtureModel, v2: FixtureModel, v3: FixtureModel;
let server: TestServer;
let idb: IDBFactory;
let events: DeliveryEvent[];
let counts: Partial<Record<CacheEvent, number>>;
const telemetry = { recordCache: (e: CacheEvent, n = 1) => { counts[e] = (counts[e] ?? 0) + n; } };

beforeAll(async () => {
  v1 = await buildModel({ bodySeed: 1, headSeed: 1, tag: 'v1' });
  v2 = await buildModel({ bodySeed: 2, headSeed: 2, tag: 'v2' });
  v3 = await buildModel({ bodySeed: 3, headSeed: 3, tag: 'v3' });
});
beforeEach(async () => {
  server = await startServer();
  idb = new IDBFactory();
  events = [];
  counts = {};
  server.putModel('/m/1', v1);
  server.putModel('/m/2', v2);
  server.putModel('/m/3', v3);
});
afterEach(() => server.close());

const publish = (stable: Channel) => server.putManifest(manifestOf('digits', {
  '1': versionEntry('m/1/model.json', v1), '2': versionEntry('m/2/model.json', v2),
}, { stable }));
const client = (o: DeliveryOptions = {}) => createDelivery({
  manifestUrl: `${server.url}/manifest.json`, cache: { idbFactory: idb }, telemetry, onEvent: (e) => events.push(e), ...o,
});
// Synthetic install ids on either side of a 30% candidate.
const ids = Array.from({ length: 200 }, (_, i) => `install-${i}`);
const inCandidate = ids.find((id) => rolloutBucket(id, 'digits') < 3000)!;
const inStable = ids.find((id) => rolloutBucket(id, 'digits') >= 3000)!;
const close = (m: FixtureModel) => m.predict(x).map((v) => expect.closeTo(v, 5));

describe('staged rollout', () => {
  it('serves the candidate to installs in its bucket, stable to the rest; the kill switch reverts at the next revalidation', async () => {
    publish({ version: '1', candidate: { version: '2', percent: 30 } });
    const cand = client({ installId: inCandidate, manifestMaxAgeMs: 0 });
    const stable = client({ installId: inStable, manifestMaxAgeMs: 0 });
    const a = await cand.load({ id: 'digits' }, compile);
    expect([a.ref.version, a.ref.variant]).toEqual(['2', 'candidate']);
    expect(a.value).toEqual(close(v2));
    const b = await stable.load({ id: 'digits' }, compile);
    expect([b.ref.version, b.ref.variant]).toEqual(['1', 'stable']);

    publish({ version: '1', candidate: { version: '2', percent: 30 }, killSwitch: true });
    const c = await cand.load({ id: 'digits' }, compile);
    expect([c.ref.version, c.ref.variant]).toEqual(['1', 'stable']);
    expect(c.value).toEqual(close(v1));
  });

  it('keeps one random install id per device (stored), different on another device', async () => {
    const first = await client().installId();
    expect(first).toMatch(/^[0-9a-f]{32}$/);
    expect(await client().installId()).toBe(first);
    idb = new IDBFactory();
    expect(await client().installId()).not.toBe(first);
  });

  it('a candidate failing integrity falls back to stable and says why', async () => {
    publish({ version: '1', candidate: { version: '2', percent: 30 } });
    server.put('/m/2/head.bin', v1.files.get('head.bin')!); // same size, other bytes
    const r = await client({ installId: inCandidate }).load({ id: 'digits' }, compile);
    expect([r.ref.version, r.ref.variant]).toEqual(['1', 'stable']);
    expect(r.candidateFallback).toMatch(/^INTEGRITY: digits@2 head\.bin: SHA-256/);
    expect(events).toContainEqual(expect.objectContaining({ type: 'candidate-fallback', version: '2', stable: '1' }));
    expect(counts.integrityFailures).toBe(1);
  });

  it('a candidate failing the self-test on this device falls back to stable', async () => {
    publish({ version: '1', candidate: { version: '2', percent: 30 } });
    const selfTest = async (f: Fetched) => {
      if (f.ref.version === '2') throw Object.assign(new Error('outputs differ from the reference by 3.2'), { code: 'BACKEND_UNAVAILABLE' });
      return compile(f);
    };
    const r = await client({ installId: inCandidate }).load({ id: 'digits' }, selfTest);
    expect(r.ref.version).toBe('1');
    expect(r.candidateFallback).toBe('BACKEND_UNAVAILABLE: outputs differ from the reference by 3.2');
  });

  it('a stable version failing is an error, not a silent fallback', async () => {
    publish({ version: '1' });
    server.put('/m/1/body.bin', new Uint8Array(10));
    await expect(client().load({ id: 'digits' }, compile)).rejects.toMatchObject({ code: 'INTEGRITY' });
  });
});

describe('storage limits', () => {
  const three = () => server.putManifest({
    schemaVersion: 1,
    models: Object.fromEntries((['a', 'b', 'c'] as const).map((id, i) => [id, {
      channels: { stable: { version: '1' } }, versions: { '1': versionEntry(`m/${i + 1}/model.json`, [v1, v2, v3][i]!) },
    }])),
  });
  const size = () => [...v1.files.values()].reduce((n, b) => n + b.byteLength, 0);

  it('evicts the least recently used version to stay under cache.maxBytes', async () => {
    three();
    const d = client({ cache: { idbFactory: idb, maxBytes: Math.floor(size() * 2.5) } });
    await d.load({ id: 'a' }, compile);
    await d.load({ id: 'b' }, compile);
    await d.load({ id: 'a' }, compile); // a is now more recent than b
    await d.load({ id: 'c' }, compile);
    expect((await d.cached()).map((m) => m.id).sort()).toEqual(['a', 'c']);
    expect(events).toContainEqual(expect.objectContaining({ type: 'evicted', id: 'b', reason: 'lru' }));
    expect(counts.evicted).toBe(1);
  });

  it('a version larger than the cache runs from memory and says so', async () => {
    three();
    const d = client({ cache: { idbFactory: idb, maxBytes: 1000 } });
    expect((await d.load({ id: 'a' }, compile)).value).toEqual(close(v1));
    expect(await d.cached()).toEqual([]);
    expect(events).toContainEqual({ type: 'cache-unavailable', reason: expect.stringMatching(/larger than cache\.maxBytes 1000; running from memory/) });
  });

  it('IndexedDB that throws on open (private mode) -> network only, never a crash', async () => {
    publish({ version: '1' });
    const broken = { open() { throw new DOMException('A mutation operation was attempted on a database that did not allow mutations.', 'InvalidStateError'); } } as unknown as IDBFactory;
    const d = client({ cache: { idbFactory: broken } });
    expect((await d.load({ id: 'digits' }, compile)).value).toEqual(close(v1));
    expect((await d.load({ id: 'digits' }, compile)).source).toBe('network');
    expect(await d.cached()).toEqual([]);
    expect(events.filter((e) => e.type === 'cache-unavailable')).toHaveLength(1);
    expect(counts.unavailable).toBe(1);
  });

  it('evict(id, version) removes what cached() lists', async () => {
    publish({ version: '1' });
    const d = client();
    await d.load({ id: 'digits' }, compile);
    expect(await d.cached()).toEqual([expect.objectContaining({ id: 'digits', version: '1', bytes: size() })]);
    expect(await d.evict('digits', '9')).toBe(0);
    expect(await d.evict('digits')).toBe(1);
    expect(await d.cached()).toEqual([]);
  });
});
