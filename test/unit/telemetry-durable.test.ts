// The durable unload path (#18.1), Retry-After across pages and tabs (#18.2), the `online`
// event and one-tab-at-a-time outbox draining (#18.4), in Node: fake-indexeddb plays
// IndexedDB, a Map plays localStorage, a promise chain plays Web Locks, fetch is a double.
import 'fake-indexeddb/auto';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createDelivery, type DeliveryOptions } from '../../src/sdk/telemetry/delivery.js';
import { openOutbox, type Outbox, type OutboxItem } from '../../src/sdk/telemetry/outbox.js';
import { editStash } from '../../src/sdk/telemetry/unload-stash.js';

type Answer = { status: number; headers?: Record<string, string> } | 'network-error' | 'hang';
interface Post { at: number; id: string; predictions: number; dropped: { queue: number; outbox: number }; status: number | string }

/** A collector double answering from `script`; `accepted()` counts each batch id once. */
function collector(script: (n: number) => Answer = () => ({ status: 200 })) {
  const posts: Post[] = [];
  const fetch = (async (_u: RequestInfo | URL, init?: RequestInit) => {
    const b = JSON.parse(String(init!.body)) as { id: string; predictions: number; dropped: Post['dropped'] };
    const a = script(posts.length);
    posts.push({ at: Date.now(), id: b.id, predictions: b.predictions, dropped: b.dropped, status: typeof a === 'string' ? a : a.status });
    if (a === 'network-error') throw new TypeError('Failed to fetch');
    if (a === 'hang') return new Promise<Response>(() => {});
    return new Response('{"ok":true}', { status: a.status, headers: a.headers });
  }) as typeof globalThis.fetch;
  const ok = () => posts.filter((p) => typeof p.status === 'number' && p.status < 300);
  const accepted = () => [...new Map(ok().map((p) => [p.id, p.predictions])).values()].reduce((a, b) => a + b, 0);
  return { posts, fetch, accepted, ok };
}

let seq = 0;
const batch = (predictions: number, pad = 0, dropped = { queue: 0, outbox: 0 }): OutboxItem => {
  const id = `b${++seq}`.padEnd(32, '0');
  return { id, body: JSON.stringify({ id, predictions, dropped, pad: 'x'.repeat(pad) }), at: Date.now() + seq };
};

function memoryStorage(): Storage {
  const m = new Map<string, string>();
  return {
    get length() { return m.size; }, clear: () => m.clear(), key: (i) => [...m.keys()][i] ?? null,
    getItem: (k) => m.get(k) ?? null, setItem: (k, v) => void m.set(k, String(v)), removeItem: (k) => void m.delete(k),
  };
}

/** Web Locks double: callbacks for one name run one after another. */
function lockManager() {
  const tails = new Map<string, Promise<unknown>>();
  return {
    request(name: string, cb: (l: unknown) => Promise<unknown>) {
      const run = (tails.get(name) ?? Promise.resolve()).then(() => cb({ name }));
      tails.set(name, run.catch(() => {}));
      return run;
    },
  } as unknown as LockManager;
}

async function settle(rounds = 30) { for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r)); }
async function runFor(ms: number, step = 100) {
  for (let t = 0; t < ms; t += step) { await vi.advanceTimersByTimeAsync(Math.min(step, ms - t)); await settle(10); }
}

const URL_ = 'https://collector.test/v1/batches';
let n = 0;
let stashKey = '';
let dbName = '';
const open = () => openOutbox({ dbName });
const page = (c: ReturnType<typeof collector>, o: Partial<DeliveryOptions> = {}) =>
  createDelivery({ url: URL_, fetch: c.fetch, outbox: open(), stashKey, locks: null, retry: { baseMs: 200, maxMs: 2000 }, ...o });
/** A page whose asynchronous work never lands: it is gone right after the event. */
const dyingPage = (c: ReturnType<typeof collector>) => createDelivery({ url: URL_, fetch: c.fetch, outbox: new Promise<Outbox>(() => {}), stashKey, locks: null });

beforeEach(() => {
  n++;
  stashKey = `inferscope-telemetry test ${n}`;
  dbName = `durable-${n}`;
  vi.stubGlobal('localStorage', memoryStorage());
  vi.stubGlobal('navigator', { sendBeacon: () => false });
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(() => { vi.useRealTimers(); vi.unstubAllGlobals(); });

describe('unload is durable', () => {
  test('collector refusing while the page goes away: the next start delivers every prediction', async () => {
    const down = collector(() => 'network-error');
    const gone = dyingPage(down);
    gone.send(batch(7)); // queued, its send in flight
    gone.sendOnUnload(batch(5)); // the window closed at pagehide
    gone.sendOnUnload(batch(2)); // vitals reported at the visibilitychange that follows
    const up = collector();
    const next = page(up);
    await runFor(1000);
    expect(up.accepted()).toBe(14);
    expect(localStorage.length).toBe(0); // moved into the outbox, then sent
    next.dispose();
  });

  test('during a Retry-After wait the unload sends nothing, and the next page sends after the wait', async () => {
    const c = collector((i) => (i === 0 ? { status: 429, headers: { 'retry-after': '3' } } : { status: 200 }));
    const first = page(c);
    await first.send(batch(4));
    const t0 = Date.now();
    first.sendOnUnload(batch(6));
    expect(c.posts).toHaveLength(1);
    const next = page(c);
    await runFor(5000);
    expect(c.accepted()).toBe(10);
    expect(Math.min(...c.posts.slice(1).map((p) => p.at))).toBeGreaterThanOrEqual(t0 + 3000);
    first.dispose();
    next.dispose();
  });

  test('a hide and a show with the page alive: nothing waits in the stash for a next start', async () => {
    const c = collector();
    const d = page(c);
    d.sendOnUnload(batch(3));
    await runFor(300);
    d.resetUnload();
    expect(c.accepted()).toBe(3);
    expect(localStorage.length).toBe(0);
    d.dispose();
  });

  test('generated batch sizes and bounds: every batch is stashed or counted as dropped, never silently lost', () => {
    fc.assert(fc.property(
      fc.array(fc.record({ p: fc.integer({ min: 1, max: 50 }), pad: fc.integer({ min: 0, max: 4000 }), q: fc.nat(3), o: fc.nat(3) }), { minLength: 1, maxLength: 12 }),
      fc.integer({ min: 0, max: 20_000 }),
      (specs, maxChars) => {
        localStorage.clear();
        const items = specs.map((s) => batch(s.p, s.pad, { queue: s.q, outbox: s.o }));
        const s = editStash('k', (st) => { st.items.push(...items); }, maxChars)!;
        const kept = new Set(s.items.map((i) => i.id));
        const lost = items.filter((i) => !kept.has(i.id));
        expect(s.dropped.outbox).toBe(lost.length + lost.reduce((a, i) => a + JSON.parse(i.body).dropped.outbox, 0));
        expect(s.dropped.queue).toBe(lost.reduce((a, i) => a + JSON.parse(i.body).dropped.queue, 0));
        expect(s.items.reduce((a, i) => a + i.body.length, 0)).toBeLessThanOrEqual(maxChars);
      },
    ));
  });

  test('stash dropped for being too big: the next batch reports the loss', async () => {
    const gone = dyingPage(collector(() => 'hang'));
    gone.sendOnUnload(batch(9, 600_000)); // over the 512 KiB stash bound and the keepalive budget
    const c = collector();
    const next = page(c);
    await runFor(500);
    await next.send(batch(1, 0, next.takeDropped()));
    expect(c.posts.at(-1)!.dropped).toEqual({ queue: 0, outbox: 1 });
    next.dispose();
  });

  test('generated garbage in the stash slot never throws and never blocks delivery', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(fc.string(), fc.json()), async (junk) => {
      localStorage.setItem(stashKey, junk);
      const c = collector();
      const d = page(c);
      await d.send(batch(2));
      expect(c.accepted()).toBe(2);
      d.dispose();
    }), { numRuns: 25 });
  });
});

describe('the wait holds for every page and tab', () => {
  test('Retry-After set by one page gates a new page and a tab that was already open', async () => {
    const c = collector((i) => (i === 0 ? { status: 429, headers: { 'retry-after': '4' } } : { status: 200 }));
    const open1 = page(c); // a tab open before the 429
    await settle();
    const other = page(c);
    await other.send(batch(1)); // 429 here
    const t0 = Date.now();
    other.dispose(); // reload
    const reloaded = page(c);
    await runFor(100);
    await reloaded.send(batch(2));
    await open1.send(batch(3));
    await runFor(5000);
    expect(c.accepted()).toBe(6);
    const later = c.posts.slice(1);
    expect(Math.min(...later.map((p) => p.at))).toBeGreaterThanOrEqual(t0 + 4000); // nobody cut the wait short
    open1.dispose();
    reloaded.dispose();
  });

  test('online ends a backoff at once (jittered), but not a server Retry-After', async () => {
    let offline = true;
    const c = collector(() => (offline ? 'network-error' : { status: 200 }));
    const d = page(c, { retry: { baseMs: 60_000, maxMs: 600_000 } });
    await d.send(batch(3));
    offline = false;
    const t = Date.now();
    d.online();
    await runFor(1500);
    expect(c.accepted()).toBe(3);
    expect(c.ok()[0]!.at - t).toBeLessThanOrEqual(1000);
    d.dispose();

    const r = collector((i) => (i === 0 ? { status: 503, headers: { 'retry-after': '30' } } : { status: 200 }));
    const e = page(r);
    await e.send(batch(4));
    const t1 = Date.now();
    e.online();
    await runFor(32_000, 1000);
    expect(r.accepted()).toBe(4);
    expect(r.ok()[0]!.at).toBeGreaterThanOrEqual(t1 + 30_000);
    e.dispose();
  });

  test('tabs drain the shared outbox one at a time: no batch is sent twice', async () => {
    const o = await open();
    for (let i = 0; i < 10; i++) await o.put(batch(1));
    o.close();
    const c = collector();
    const locks = lockManager();
    const tabs = [page(c, { locks }), page(c, { locks }), page(c, { locks })];
    await settle();
    await Promise.all(tabs.map((t) => t.drain()));
    await runFor(500);
    expect(c.accepted()).toBe(10);
    expect(c.posts).toHaveLength(10);
    for (const t of tabs) t.dispose();
  });
});
