// Node tier: backendPolicy 'auto' (the default) on cpu + wasm, the cheap real backends in Node.
// It serves on the first working backend, times the others after the first prediction, moves
// later predictions to the fastest between predictions, remembers the verdict, and never lets
// the pass break serving. Which backend is faster is made certain with the `timing` test hook
// (ms added to each timed run, or a throw), so no assertion depends on this machine's speed;
// the Chromium test and bench backend-choice compare real speeds.
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { join } from 'node:path';
import 'fake-indexeddb/auto'; // IDB classes as globals, the way a browser has them
import { IDBFactory } from 'fake-indexeddb';
import { afterAll, afterEach, beforeAll, expect, test, vi } from 'vitest';
import { createClient, type ClientOptions } from '../../src/index.js';
import type { DeliveryEvent } from '../../src/sdk/delivery/types.js';
import { serve } from '../../src/sdk/worker/serve.js';
import { ensureFixtures } from '../support/fixtures.js';
import { until } from '../support/until.js';
import { REPO_ROOT, serveStatic, type StaticServer } from '../support/fixtures-server.js';

const WASM_DIR = join(REPO_ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist/');
const image = (n: number) => Array.from({ length: n }, (_, k) => Array.from({ length: 8 }, (_, y) => Array.from({ length: 8 }, (_, x) => [((x * 3 + y * 5 + k) % 11) / 10])));
let server: StaticServer;
let reference: number[];
const refs: number[][] = []; // refs[n]: cpu's answer for image(n)
const url = (name = 'graph-conv') => `${server.url}/.tmp/fixtures/${name}/model.json`;
const close = (b: number) => expect.closeTo(b, 4);

beforeAll(async () => {
  await ensureFixtures();
  server = await serveStatic();
  const c = createClient({ backends: ['cpu'], backendPolicy: 'first-working', idbFactory: false });
  const m = await c.load({ url: url() });
  for (let n = 1; n <= 3; n++) refs[n] = Array.from((await m.predict(image(n))).data);
  reference = refs[1]!;
  await c.dispose();
});
afterAll(() => server.close());
afterEach(() => { vi.restoreAllMocks(); });

/** A client on cpu then wasm (cpu first: it serves first), collecting its delivery events. */
function auto(o: Partial<ClientOptions> = {}) {
  const events: DeliveryEvent[] = [];
  const c = createClient({ backends: ['cpu', 'wasm'], assetsUrl: WASM_DIR, idbFactory: false, onDeliveryEvent: (e) => events.push(e), ...o });
  const timed = () => events.filter((e) => e.type === 'backend-switched' || e.type === 'backend-timed');
  const passDone = async (ms = 60_000) => {
    const t0 = Date.now();
    while (!timed().length) {
      if (Date.now() - t0 > ms) throw new Error(`no backend-timed / backend-switched event in ${ms} ms; events: ${JSON.stringify(events)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return timed()[0]!;
  };
  return { c, events, timed, passDone };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("'auto' is the default: serves on the first working backend, then moves later predictions to the faster one after the idle pass", async () => {
  const { c, passDone, timed } = auto({ testHooks: { timing: { cpu: 1e6 } } }); // cpu measures slower, certainly
  const m = await c.load({ url: url() });
  expect(m.backend).toBe('cpu'); // time to first prediction as 'first-working': nothing timed before serving
  await sleep(600);
  expect(timed()).toEqual([]); // the pass waits for the first prediction
  expect(Array.from((await m.predict(image(1))).data)).toEqual(reference.map(close));
  const e = await passDone();
  expect(e).toEqual({ type: 'backend-switched', id: expect.any(String), version: 'direct', from: 'cpu', to: 'wasm', timings: { cpu: expect.any(Number), wasm: expect.any(Number) } });
  if (e.type === 'backend-switched') expect(e.timings.cpu).toBeGreaterThan(e.timings.wasm!);
  expect(m.backend).toBe('wasm');
  expect(m.fallbacks).toEqual([]);
  expect(Array.from((await m.predict(image(1))).data)).toEqual(reference.map(close));
  await c.dispose();
});

test('backendPolicy: anything but the three names is refused when the client is made, naming them (generated)', () => {
  fc.assert(fc.property(fc.oneof(fc.string(), fc.constant(null), fc.integer(), fc.constant('Auto'), fc.constant('fastest ')), (policy) => {
    fc.pre(!['auto', 'first-working', 'fastest'].includes(policy as string));
    let err: unknown;
    try { createClient({ backendPolicy: policy as never, idbFactory: false }); } catch (e) { err = e; }
    expect(err).toMatchObject({ code: 'BACKEND_UNAVAILABLE', message: expect.stringContaining("'auto', 'first-working' or 'fastest'") });
  }), { numRuns: 50 });
});

test("'auto' stays where it serves when that is the fastest, and says so with a backend-timed event", async () => {
  const { c, passDone } = auto({ backendPolicy: 'auto', testHooks: { timing: { wasm: 1e6 } } });
  const m = await c.load({ url: url() });
  await m.predict(image(1));
  expect(await passDone()).toMatchObject({ type: 'backend-timed', backend: 'cpu', timings: { cpu: expect.any(Number), wasm: expect.any(Number) } });
  expect(m.backend).toBe('cpu');
  await c.dispose();
});

test('the verdict is remembered per device and model version: the next page load starts on the fastest and does not time again', async () => {
  const idbFactory = new IDBFactory();
  const first = auto({ idbFactory, testHooks: { timing: { cpu: 1e6 } } });
  const m1 = await first.c.load({ url: url(), version: 'v1' });
  await m1.predict(image(1));
  expect(await first.passDone()).toMatchObject({ type: 'backend-switched', to: 'wasm' });
  await first.c.dispose();
  // Next page load, same IndexedDB. Were it to time again, wasm would now throw and cpu win.
  const next = auto({ idbFactory, testHooks: { timing: { wasm: 'throw' } } });
  const m2 = await next.c.load({ url: url(), version: 'v1' });
  expect(m2.backend).toBe('wasm');
  for (let i = 0; i < 5; i++) await m2.predict(image(1));
  await sleep(1500); // several idle slices (200 ms each without requestIdleCallback)
  expect(next.timed()).toEqual([]);
  expect(m2.fallbacks).toEqual([]);
  // Another version of the model has no verdict yet: timed again.
  const m3 = await next.c.load({ url: url(), version: 'v2' });
  await m3.predict(image(1));
  expect(await next.passDone()).toMatchObject({ type: 'backend-timed', backend: 'cpu' });
  // The positive marker for the claim above: a whole pass (v2's) has run since, and v1 was
  // still not timed (a sleep alone proves little on a loaded machine, where few slices run).
  expect(next.timed().map((e) => (e as { version?: string }).version)).toEqual(['v2']);
  await next.c.dispose();
});

test('a backend that throws while timed is skipped with its reason in fallbacks; serving goes on', async () => {
  const { c, passDone } = auto({ testHooks: { timing: { wasm: 'throw' } } });
  const m = await c.load({ url: url() });
  await m.predict(image(1));
  expect(await passDone()).toMatchObject({ type: 'backend-timed', backend: 'cpu', timings: { cpu: expect.any(Number) } });
  expect(m.fallbacks).toEqual([{ backend: 'wasm', reason: 'timing the model failed: test hook: timing wasm throws' }]);
  expect(Array.from((await m.predict(image(1))).data)).toEqual(reference.map(close));
  await c.dispose();
});

test('a backend that cannot run the model (no Einsum kernel on wasm) is skipped by the pass with the reason', async () => {
  const { c, passDone } = auto();
  const m = await c.load({ url: url('graph-einsum') });
  expect(m.backend).toBe('cpu');
  const x = [[0.5, -1, 2, 0.25]];
  const before = Array.from((await m.predict(x)).data);
  expect(await passDone()).toMatchObject({ type: 'backend-timed', backend: 'cpu' });
  expect(m.fallbacks).toEqual([{ backend: 'wasm', reason: expect.stringMatching(/running the model failed.*Einsum/) }]);
  expect(Array.from((await m.predict(x)).data)).toEqual(before);
  await c.dispose();
});

test('without the hook: after the pass the model serves on the backend the pass measured fastest', async () => {
  const { c, passDone } = auto();
  const m = await c.load({ url: url() });
  await m.predict(image(1));
  const e = await passDone();
  const fastest = (Object.entries(e.timings) as [string, number][]).sort((a, b) => a[1] - b[1])[0]![0];
  expect(m.backend).toBe(fastest);
  expect(e.type === 'backend-switched' ? e.to : e.backend).toBe(fastest);
  await c.dispose();
});

test('predictions in flight while the pass moves the model all answer right, each on one backend (generated interleavings)', async () => {
  // tfjs copies a tensor to the active backend (engine.moveData) when one backend's tensor is used
  // on another: that must never happen, whatever the interleaving.
  const moved = vi.spyOn(tf.engine(), 'moveData');
  const before = tf.memory().numTensors;
  await fc.assert(fc.asyncProperty(
    fc.array(fc.record({ calls: fc.integer({ min: 1, max: 4 }), batch: fc.integer({ min: 1, max: 3 }), waitMs: fc.integer({ min: 0, max: 60 }) }), { minLength: 1, maxLength: 12 }),
    async (schedule) => {
      const { c, passDone, timed } = auto({ testHooks: { timing: { cpu: 1e6 } } });
      const m = await c.load({ url: url() });
      const pending: Promise<{ batch: number; data: Float32Array }>[] = [m.predict(image(1)).then((r) => ({ batch: 1, data: r.data }))];
      // Keep predicting (bursts of concurrent calls, then a pause) until the move, and once after.
      let i = 0;
      while (!timed().length || i < schedule.length) {
        const step = schedule[i++ % schedule.length]!;
        for (let k = 0; k < step.calls; k++) pending.push(m.predict(image(step.batch)).then((r) => ({ batch: step.batch, data: r.data })));
        await sleep(step.waitMs);
        if (i > 400) break;
      }
      expect(await passDone()).toMatchObject({ type: 'backend-switched', to: 'wasm' });
      for (const r of await Promise.all(pending)) expect(Array.from(r.data)).toEqual(refs[r.batch]!.map(close));
      expect(m.backend).toBe('wasm');
      await c.dispose();
      await sleep(0);
      expect(tf.memory().numTensors).toBe(before); // the old backend's model was disposed after its last run
    },
  ), { numRuns: 12 });
  expect(moved).not.toHaveBeenCalled();
}, 240_000);

test('dispose() right after the first prediction: the pass never runs and writes no verdict', async () => {
  const idbFactory = new IDBFactory();
  const first = auto({ idbFactory, testHooks: { timing: { cpu: 1e6 } } });
  const m = await first.c.load({ url: url(), version: 'd' });
  await m.predict(image(1));
  m.dispose(); // the pass's chunk is still loading: it must find the model disposed
  await sleep(1000);
  expect(first.timed()).toEqual([]);
  await first.c.dispose();
  // No verdict: the next page load starts on cpu again and times.
  const next = auto({ idbFactory, testHooks: { timing: { cpu: 1e6 } } });
  const m2 = await next.c.load({ url: url(), version: 'd' });
  expect(m2.backend).toBe('cpu');
  await m2.predict(image(1));
  expect(await next.passDone()).toMatchObject({ type: 'backend-switched', to: 'wasm' });
  expect(first.timed()).toEqual([]); // still, after a whole pass of the next client has run
  await next.c.dispose();
});

test('dispose() at any point of the idle pass stops it: no event after it, no error, nothing leaked (generated dispose times)', async () => {
  const before = tf.memory().numTensors;
  await fc.assert(fc.asyncProperty(fc.integer({ min: 0, max: 700 }), fc.boolean(), async (afterMs, wholeClient) => {
    const { c, timed } = auto({ testHooks: { timing: { cpu: 1e6 } } });
    const m = await c.load({ url: url() });
    await m.predict(image(1));
    await sleep(afterMs);
    const doneBefore = timed().length;
    if (wholeClient) await c.dispose(); else m.dispose();
    await sleep(800); // longer than any step left in the pass
    expect(timed().length).toBe(doneBefore);
    await c.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }), { numRuns: 10 });
}, 240_000);

test('worker mode: the pass runs in the worker (no requestIdleCallback there); the event crosses to the page, model.backend follows', async () => {
  // The worker side is served on one end of a MessageChannel (as in worker-mode.test.ts).
  const { port1, port2 } = new MessageChannel();
  serve(port2 as never);
  const worker = Object.assign(port1, { terminate: () => { port1.close(); port2.close(); } }) as unknown as Worker;
  const { c, passDone } = auto({ worker, workerFallback: false, cache: false });
  const m = await c.load({ url: url() });
  expect(m.backend).toBe('cpu');
  expect(Array.from((await m.predict(image(1))).data)).toEqual(reference.map(close));
  const e = await passDone();
  const fastest = (Object.entries(e.timings) as [string, number][]).sort((a, b) => a[1] - b[1])[0]![0];
  expect(Object.keys(e.timings).sort()).toEqual(['cpu', 'wasm']);
  expect(Array.from((await m.predict(image(1))).data)).toEqual(reference.map(close));
  expect(m.backend).toBe(fastest); // reported with the next answer from the worker
  await c.dispose();
});

test('sampled explanations (explainSampleRate) around the move run on the backend the model serves on, never across backends', async () => {
  const { createServer } = await import('node:http');
  const { gunzipSync } = await import('node:zlib');
  const bodies: string[] = [];
  const collector = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      bodies.push((req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString());
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
  const endpoint = `http://127.0.0.1:${(collector.address() as { port: number }).port}/v1/batches`;
  const moved = vi.spyOn(tf.engine(), 'moveData');
  const { c, passDone, timed } = auto({ testHooks: { timing: { cpu: 1e6 } }, telemetry: { endpoint, appKey: 'pk_test', explainSampleRate: 1, webVitals: false } });
  const m = await c.load({ url: url() });
  let n = 0;
  while (!timed().length || n < 40) { expect(Array.from((await m.predict(image(1))).data)).toEqual(reference.map(close)); n++; await sleep(25); }
  expect(await passDone()).toMatchObject({ type: 'backend-switched', to: 'wasm' });
  // Explanations did run: sampled ones run in the background after their prediction, later than
  // 500 ms on a loaded machine (a fixed wait then a flush failed 2 of 3 runs at load 8): flush
  // until one has arrived.
  await until(async () => { await c.flush(); return bodies.join('').includes('"importance"'); }, 'an explanation in a batch', { ms: 60_000, stepMs: 100 });
  expect(moved).not.toHaveBeenCalled();
  await c.dispose();
  await new Promise((r) => collector.close(() => r(undefined)));
}, 120_000);

test("one backend listed: 'auto' places the model without opening the verdict database (nothing to choose)", async () => {
  const names = async (f: IDBFactory) => (await f.databases()).map((d) => d.name);
  for (const [backends, opened] of [[['cpu'], false], [['cpu', 'wasm'], true]] as const) {
    const idbFactory = new IDBFactory();
    const c = createClient({ backends: [...backends], assetsUrl: WASM_DIR, idbFactory, cache: false });
    const m = await c.load({ url: url() });
    expect(m.backend).toBe('cpu');
    expect(Array.from((await m.predict(image(1))).data)).toEqual(reference.map(close));
    expect((await names(idbFactory)).includes('inferscope-backend-verdicts')).toBe(opened);
    await c.dispose();
  }
});
