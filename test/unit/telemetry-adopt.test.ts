// A stash written by a closing tab while other tabs of the origin stay open (Delivery.adopt, run
// on their `storage` event): however many open tabs hear it at once, each stashed batch goes to
// the shared outbox and is POSTed once, and the stash ends empty. The in-browser proof (two tabs,
// real collector, both modes) is test/e2e/telemetry-tabs.test.ts; this one generates tab counts,
// stash contents and answer orders on the real idb outbox code (fake-indexeddb) with a Web Locks
// stand-in that grants one holder per name at a time, as navigator.locks does.
import 'fake-indexeddb/auto';
import fc from 'fast-check';
import { afterEach, expect, test, vi } from 'vitest';
import { createDelivery } from '../../src/sdk/telemetry/delivery.js';
import { openOutbox } from '../../src/sdk/telemetry/outbox.js';
import { editStash, stashKeyOf } from '../../src/sdk/telemetry/unload-stash.js';

afterEach(() => { vi.unstubAllGlobals(); });

function memoryStorage(): Storage {
  const m = new Map<string, string>();
  return { getItem: (k) => m.get(k) ?? null, setItem: (k, v) => void m.set(k, String(v)), removeItem: (k) => void m.delete(k), clear: () => m.clear(), key: (i) => [...m.keys()][i] ?? null, get length() { return m.size; } };
}

function memoryLocks(): Pick<LockManager, 'request'> {
  const tails = new Map<string, Promise<unknown>>();
  return {
    request: ((name: string, run: () => Promise<unknown>) => {
      const before = tails.get(name) ?? Promise.resolve();
      const mine = before.then(() => run());
      tails.set(name, mine.catch(() => {}));
      return mine;
    }) as LockManager['request'],
  };
}

let db = 0;
test('generated: 1-5 open tabs adopt one stash at once; every batch is POSTed once and the stash ends empty', async () => {
  await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 6 }), fc.array(fc.nat(20), { minLength: 5, maxLength: 5 }), async (tabs, batches, delays) => {
    vi.stubGlobal('localStorage', memoryStorage());
    const url = `https://c.test/v1/batches?key=k${++db}`;
    const key = stashKeyOf(url);
    const posted: string[] = [];
    const fetch = (async (_u: string, init: RequestInit) => {
      posted.push((JSON.parse(String(init.body)) as { id: string }).id);
      return new Response(null, { status: 200 });
    }) as unknown as typeof globalThis.fetch;
    const locks = memoryLocks();
    const dbName = `adopt-${db}`;
    // The tabs start before the stash is written (an empty stash at their start).
    const open = await Promise.all(Array.from({ length: tabs }, () => createDelivery({ url, fetch, locks, compress: false, stashKey: key, outbox: openOutbox({ dbName }) })));
    await Promise.all(open.map((d) => d.drain()));
    const ids = Array.from({ length: batches }, (_, i) => `b${i}`.padEnd(32, '0'));
    editStash(key, (s) => { s.items.push(...ids.map((id, i) => ({ id, body: JSON.stringify({ id }), at: Date.now() + i }))); s.dropped.queue += 3; });
    // Every open tab hears the write, each after its own small delay.
    const moved = await Promise.all(open.map((d, i) => new Promise((r) => setTimeout(r, delays[i]!)).then(() => d.adopt())));
    // Bounded by time, not 100 turns of 5 ms: the sends take longer on a loaded CI machine.
    for (const end = Date.now() + 60_000; posted.length < batches && Date.now() < end;) await new Promise((r) => setTimeout(r, 5));
    await Promise.all(open.map((d) => d.drain()));
    expect(posted.sort()).toEqual([...ids].sort());
    expect(moved.flat().sort()).toEqual([...ids].sort()); // one tab moved each batch
    expect(localStorage.getItem(key)).toBeNull();
    expect(open.reduce((n, d) => n + d.takeDropped().queue, 0)).toBe(3); // the stashed drop count, reported once
    for (const d of open) d.dispose();
  }), { numRuns: 25 });
}, 180_000); // only ends a hang; the loaded CI machine runs this 5-10x slower
