// The origin's storage quota, in Node: a quota double over fake-indexeddb that refuses writes
// the way Chromium does (measured with CDP Storage.overrideQuotaForOrigin): a transaction's puts
// are checked against the bytes already committed, its own deletes are not credited, and the
// refused transaction aborts. The real thing is tested in test/e2e/delivery-chromium.test.ts.
import 'fake-indexeddb/auto';
import { IDBFactory, IDBObjectStore } from 'fake-indexeddb';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDelivery, type DeliveryEvent } from '../../src/sdk/delivery/index.js';
import { buildModel, predictWith, startServer, versionEntry, type FixtureModel, type TestServer } from './delivery-fixtures.js';

const x = Array.from({ length: 16 }, (_, i) => (i % 7) / 7);
const compile = predictWith(x);
const IDS = ['m0', 'm1', 'm2', 'm3'];
let models: FixtureModel[];
let server: TestServer;

// --- the quota double: bytes of the files store, committed per transaction ---
let quota = Infinity;
let stored = new Map<string, number>();
const pending = new WeakMap<IDBTransaction, { puts: number; ops: [string, number | null][] }>();
const proto = IDBObjectStore.prototype as unknown as Record<'put' | 'delete', (this: IDBObjectStore, ...a: unknown[]) => unknown>;
const real = { put: proto.put, delete: proto.delete };
const used = () => [...stored.values()].reduce((a, b) => a + b, 0);
function txState(tx: IDBTransaction) {
  let p = pending.get(tx);
  if (!p) {
    const s: { puts: number; ops: [string, number | null][] } = (p = { puts: 0, ops: [] });
    pending.set(tx, s);
    tx.addEventListener('complete', () => { for (const [k, n] of s.ops) { if (n === null) stored.delete(k); else stored.set(k, n); } });
  }
  return p;
}
beforeAll(() => {
  proto.put = function (...a) {
    if (this.name === 'files') {
      const rec = a[0] as { sha256: string; data: ArrayBuffer };
      const p = txState(this.transaction);
      if (used() + p.puts + rec.data.byteLength > quota) throw new DOMException('quota double', 'QuotaExceededError');
      p.puts += rec.data.byteLength;
      p.ops.push([rec.sha256, rec.data.byteLength]);
    }
    return real.put.apply(this, a);
  };
  proto.delete = function (...a) {
    if (this.name === 'files') txState(this.transaction).ops.push([a[0] as string, null]);
    return real.delete.apply(this, a);
  };
});
afterAll(() => Object.assign(proto, real));

beforeAll(async () => {
  // Four models of different sizes (hidden 24..192 units: about 1.8 KB to 13 KB of weights).
  models = await Promise.all([24, 48, 96, 192].map((hidden, i) => buildModel({ bodySeed: 10 + i, headSeed: 20 + i, hidden, tag: IDS[i] })));
});
beforeEach(async () => {
  server = await startServer();
  models.forEach((m, i) => server.putModel(`/${IDS[i]}/1`, m));
  server.putManifest({
    schemaVersion: 1,
    models: Object.fromEntries(IDS.map((id, i) => [id, { channels: { stable: { version: '1' } }, versions: { '1': versionEntry(`${id}/1/model.json`, models[i]!) } }])),
  });
});
afterEach(() => server.close());

const sizeOf = (i: number) => [...models[i]!.files.values()].reduce((n, b) => n + b.byteLength, 0);

describe('storage quota', () => {
  it('evicts least recently used versions one at a time, only as far as needed; a version that cannot fit runs from memory and costs nothing else', async () => {
    const total = IDS.reduce((n, _, i) => n + sizeOf(i), 0);
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 0, max: total }),
      fc.array(fc.nat({ max: IDS.length - 1 }), { minLength: 1, maxLength: 10 }),
      async (q, loads) => {
        quota = q;
        stored = new Map();
        const events: DeliveryEvent[] = [];
        const d = createDelivery({ manifestUrl: `${server.url}/manifest.json`, cache: { idbFactory: new IDBFactory() }, onEvent: (e) => events.push(e) });
        let lru: number[] = []; // the model: cached indexes, least recently used first
        for (const i of loads) {
          events.length = 0;
          const r = await d.load({ id: IDS[i]! }, compile);
          expect(r.value).toEqual(models[i]!.predict(x).map((v) => expect.closeTo(v, 5)));
          const evicted: number[] = [];
          if (lru.includes(i)) {
            expect(r.source).toBe('cache');
            lru = [...lru.filter((j) => j !== i), i];
          } else if (sizeOf(i) > q) {
            // Nothing could make room: nothing is evicted, the event says QUOTA_EXCEEDED.
            expect(events).toContainEqual({ type: 'cache-unavailable', code: 'QUOTA_EXCEEDED', reason: expect.stringContaining(`${IDS[i]}@1`) });
          } else {
            const room = () => q - lru.reduce((n, j) => n + sizeOf(j), 0);
            while (room() < sizeOf(i)) evicted.push(lru.shift()!);
            lru.push(i);
            expect(events).toContainEqual(expect.objectContaining({ type: 'cache-stored', id: IDS[i] }));
          }
          expect(events.filter((e) => e.type === 'evicted').map((e) => [(e as { id: string }).id, (e as { reason: string }).reason]))
            .toEqual(evicted.map((j) => [IDS[j], 'quota']));
          expect((await d.cached()).map((c) => c.id).sort()).toEqual(lru.map((j) => IDS[j]).sort());
          expect(used()).toBeLessThanOrEqual(q);
        }
        await d.dispose();
      },
    ), { numRuns: 25 });
  });
});
