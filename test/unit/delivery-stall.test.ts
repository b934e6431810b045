// A download that stops (no headers, a body that stops after k chunks, a body that never closes)
// must not hold its version's install lock forever: the load that met it fails with NETWORK (or
// takes the last good cached version), dispose() aborts it, and every later load of the same
// version goes on. A slow body that keeps arriving is never cut. Timers are faked (setTimeout
// only: fake-indexeddb schedules with setImmediate), so nothing here depends on machine speed.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDelivery } from '../../src/sdk/delivery/delivery.js';
import { InferScopeError } from '../../src/sdk/errors.js';
import { buildModel, manifestOf, versionEntry, type FixtureModel } from './delivery-fixtures.js';

const STALL = 1_000;
const BASE = 'http://models.test/';
const MANIFEST = `${BASE}manifest.json`;
const CHUNK = 256;

type Stall = { after: number | 'headers'; honoursAbort: boolean };

/** A fetch double over a path -> bytes map. `plan` stalls the next request of a URL once; `fail` answers 500. */
function network(files: Map<string, Uint8Array>, gapMs = 0) {
  const plan = new Map<string, Stall>();
  const fail = new Set<string>();
  const requests: string[] = [];
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    requests.push(url);
    const stall = plan.get(url);
    plan.delete(url);
    const signal = init?.signal;
    const hang = (onAbort: () => void) => new Promise<never>(() => {
      if (stall!.honoursAbort) signal?.addEventListener('abort', onAbort, { once: true });
    });
    if (stall?.after === 'headers') return new Promise<Response>((_, no) => { void hang(() => no(signal!.reason)); });
    const body = files.get(url);
    if (fail.has(url) || !body) return new Response('<!doctype html><p>error', { status: fail.has(url) ? 500 : 404, headers: { 'content-type': 'text/html' } });
    let i = 0;
    const stream = new ReadableStream<Uint8Array>({
      async pull(c) {
        // Past the last chunk: a body that never closes.
        if (stall && i >= Math.min(stall.after as number, Math.ceil(body.byteLength / CHUNK))) return hang(() => c.error(signal!.reason));
        if (i * CHUNK >= body.byteLength) return c.close();
        if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
        c.enqueue(body.slice(i * CHUNK, ++i * CHUNK));
      },
    });
    return new Response(stream, { status: 200, headers: { 'content-type': url.endsWith('.json') ? 'application/json' : 'application/octet-stream' } });
  }) as typeof globalThis.fetch;
  return { fetch, plan, fail, requests };
}

let v1: FixtureModel;
let v2: FixtureModel;
const files = new Map<string, Uint8Array>();
const manifests = {
  v1: () => manifestOf('m', { v1: versionEntry(`${BASE}v1/model.json`, v1), v2: versionEntry(`${BASE}v2/model.json`, v2) }, { stable: { version: 'v1' } }),
  v2: () => manifestOf('m', { v1: versionEntry(`${BASE}v1/model.json`, v1), v2: versionEntry(`${BASE}v2/model.json`, v2) }, { stable: { version: 'v2' } }),
};
const setManifest = (which: 'v1' | 'v2') => files.set(MANIFEST, new TextEncoder().encode(JSON.stringify(manifests[which]())));

const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => { unhandled.push(e); };

beforeAll(async () => {
  v1 = await buildModel({ headSeed: 1, tag: 'v1' });
  v2 = await buildModel({ bodySeed: 2, headSeed: 2, tag: 'v2' }); // no shared shard: every v2 file is downloaded
  for (const [tag, m] of [['v1', v1], ['v2', v2]] as const) for (const [p, b] of m.files) files.set(`${BASE}${tag}/${p}`, b);
  process.on('unhandledRejection', onUnhandled);
});
afterAll(() => { process.off('unhandledRejection', onUnhandled); });
afterEach(() => { vi.useRealTimers(); });

const turn = () => new Promise((r) => setImmediate(r));

/**
 * Drives fake time in small steps, with real event-loop turns between them for IndexedDB, until
 * every promise settled. Old code (no stall timeout) never settles: this fails instead of hanging.
 */
async function settle<T>(ps: Promise<T>[], maxSteps = 3_000): Promise<PromiseSettledResult<T>[]> {
  let done = false;
  const all = Promise.allSettled(ps).then((r) => { done = true; return r; });
  // Bounded in fake time and in real time (a cold lazy chunk import on a loaded machine takes many turns).
  const t0 = Date.now();
  for (let i = 0; !done && (i < maxSteps || Date.now() - t0 < 15_000); i++) {
    await vi.advanceTimersByTimeAsync(STALL / 8);
    await turn();
  }
  if (!done) throw new Error(`a load still hangs after ${(maxSteps * STALL) / 8 / 1000} s of (fake) time and 15 s of real time: a stalled download holds its lock`);
  return all;
}

const load = (d: ReturnType<typeof createDelivery>) => d.load({ id: 'm' }, async (f) => f.ref.version, { fallbackToCached: true });

describe('stalled downloads (stallTimeoutMs)', () => {
  it('a stall anywhere fails that load (or serves the cached version), and later loads of the version go on', async () => {
    const v2Urls = [...v2.files.keys()].map((p) => `${BASE}v2/${p}`);
    await fc.assert(fc.asyncProperty(
      fc.record({
        file: fc.constantFrom(MANIFEST, ...v2Urls),
        after: fc.oneof(fc.constant('headers' as const), fc.nat({ max: 12 })), // past the last chunk: a body that never closes
        honoursAbort: fc.boolean(),
        cached: fc.boolean(),
        later: fc.constantFrom('ok', '500'),
        disposeAfter: fc.option(fc.nat({ max: 10 })), // steps of STALL / 8, if the first client is disposed
      }),
      async ({ file, after, honoursAbort, cached, later, disposeAfter }) => {
        vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
        const idbFactory = new IDBFactory();
        const net = network(files);
        const client = () => createDelivery({ manifestUrl: MANIFEST, manifestMaxAgeMs: 0, stallTimeoutMs: STALL, cache: { idbFactory }, fetch: net.fetch });
        if (cached) {
          setManifest('v1');
          const d0 = client();
          const [r] = await settle([load(d0)]);
          if (r!.status === 'rejected') throw r!.reason;
          expect(r).toMatchObject({ status: 'fulfilled', value: { value: 'v1' } });
          await d0.dispose();
        }
        setManifest('v2');
        net.plan.set(file, { after, honoursAbort });
        const a = client();
        const b = client();
        const first = load(a);
        first.catch(() => {}); // settled below; not an unhandled rejection meanwhile
        // The second client starts once the first has met the stall (it waits on the install lock).
        for (const t0 = Date.now(); !net.requests.includes(file) && Date.now() - t0 < 15_000;) await turn();
        expect(net.requests).toContain(file);
        if (later === '500') net.fail.add(file);
        const second = load(b);
        second.catch(() => {});
        if (disposeAfter !== null) {
          for (let i = 0; i < disposeAfter; i++) await vi.advanceTimersByTimeAsync(STALL / 8);
          void a.dispose();
        }
        const [ra, rb] = await settle([first, second]);
        // The stalled load: a clear error, or the last good cached version.
        if (ra.status === 'rejected') {
          expect(ra.reason).toBeInstanceOf(InferScopeError);
          const allowed = disposeAfter !== null ? ['NETWORK', 'DISPOSED', 'MANIFEST_FETCH'] : ['NETWORK'];
          expect(allowed).toContain((ra.reason as InferScopeError).code);
          if ((ra.reason as InferScopeError).code === 'NETWORK') expect((ra.reason as Error).message).toMatch(new RegExp(`${file.replace(/[.]/g, '\\.')}.* stalled 1 s \\(\\d+ bytes in\\).*stallTimeoutMs`));
        } else {
          expect([cached ? 'v1' : 'v2', 'v2']).toContain(ra.value.value);
        }
        // The next load of the same version: served, or the server's own error (fast), never a hang.
        if (later === 'ok') expect(rb).toMatchObject({ status: 'fulfilled', value: { value: 'v2' } });
        else if (cached) expect(rb).toMatchObject({ status: 'fulfilled', value: { value: 'v1' } });
        else expect(rb).toMatchObject({ status: 'rejected', reason: { code: file === MANIFEST ? 'MANIFEST_FETCH' : 'NETWORK' } });
        await a.dispose();
        await b.dispose();
        vi.useRealTimers();
      },
    ), {
      numRuns: 25,
      // Found by a full run: dispose() in the same step as the stall timeout closed the database
      // under the last-good lookup, and its DOMException came out instead of DISPOSED.
      examples: [[{ file: `${BASE}v2/head.bin`, after: 'headers', honoursAbort: false, cached: true, later: '500', disposeAfter: 8 }]],
    });
    await turn();
    expect(unhandled).toEqual([]);
  }, 120_000);

  it('a slow body whose chunks keep arriving (each gap < stallTimeoutMs) is never cut', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    setManifest('v2');
    const net = network(files, STALL - 1); // body.bin alone takes ~9 chunks: several stall periods in all
    const d = createDelivery({ manifestUrl: MANIFEST, stallTimeoutMs: STALL, cache: { idbFactory: new IDBFactory() }, fetch: net.fetch });
    const [r] = await settle([load(d)], 20_000);
    expect(r).toMatchObject({ status: 'fulfilled', value: { value: 'v2', source: 'network' } });
    await d.dispose();
  }, 120_000);

  it('dispose() aborts a download that is still moving and releases its lock', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    setManifest('v2');
    const idbFactory = new IDBFactory();
    const net = network(files, STALL / 2); // moving: the stall timeout never fires
    const a = createDelivery({ manifestUrl: MANIFEST, stallTimeoutMs: STALL, cache: { idbFactory }, fetch: net.fetch });
    const first = load(a);
    while (!net.requests.some((u) => u.endsWith('.bin'))) { await vi.advanceTimersByTimeAsync(STALL / 8); await turn(); }
    const b = createDelivery({ manifestUrl: MANIFEST, stallTimeoutMs: STALL, cache: { idbFactory }, fetch: network(files).fetch });
    const second = load(b);
    await a.dispose();
    const [ra, rb] = await settle([first, second]);
    expect(ra).toMatchObject({ status: 'rejected', reason: { code: 'DISPOSED' } });
    expect(rb).toMatchObject({ status: 'fulfilled', value: { value: 'v2' } });
    await b.dispose();
  }, 120_000);
});
