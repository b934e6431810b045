// Worker mode's page <-> worker protocol in Node: the page-side client (createClient({ worker }))
// talks through a real MessageChannel to the worker side (serve(), the same code the worker
// script runs), so the message layer (rpc.ts / serve.ts), transfer lists, callbacks and the
// error wire format are the real ones; only the Worker is a MessagePort. The cases run in both modes and must agree.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createClient, type Client, type ClientOptions } from '../../src/sdk/client.js';
import type { DeliveryEvent } from '../../src/sdk/delivery/types.js';
import { InferScopeError, isInferScopeError, type ErrorCode } from '../../src/sdk/errors.js';
import type { LoadProgress } from '../../src/sdk/fetch-model.js';
import { reviveError } from '../../src/sdk/proxy/call.js';
import { toWireInput } from '../../src/sdk/proxy/to-wire-input.js';
import { toWireError } from '../../src/sdk/worker/wire.js';
import { channelWorker, MODES } from '../support/channel-worker.js';
import { ensureFixtures } from '../support/fixtures.js';
import { serveStatic, type StaticServer } from '../support/fixtures-server.js';

let server: StaticServer;
let url: string;
beforeAll(async () => {
  await ensureFixtures();
  server = await serveStatic();
  url = `${server.url}/.tmp/fixtures/layers-float32/model.json`;
});
afterAll(async () => { await server?.close(); });

describe.each(MODES)('%s mode', (_, extra) => {
  const make = (o: ClientOptions = {}): Client => createClient({ backends: ['cpu'], cache: false, idbFactory: false, ...extra(), ...o });

  test('load, predict, progress, feedback and dispose behave alike', async () => {
    const progress: LoadProgress[] = [];
    const client = make();
    const model = await client.load({ url, onProgress: (p) => progress.push(p) });
    expect(model).toMatchObject({ id: 'layers-float32', version: 'direct', backend: 'cpu', format: 'layers-model' });
    expect(model.fallbacks).toEqual([]);
    const r = await model.predict(new Float32Array([0.5, 0.5, 0.5, 0.5]));
    expect(r.data).toBeInstanceOf(Float32Array);
    expect(r.shape).toEqual([1, 3]);
    expect(r.id).toMatch(/^[0-9a-f]+$/);
    expect(r.ms).toBeGreaterThan(0);
    expect(progress.map((p) => p.phase)).toEqual(expect.arrayContaining(['download', 'compile', 'warmup']));
    expect(await client.feedback(r.id, 'a')).toBe(false); // telemetry off
    model.dispose();
    await expect(model.predict(new Float32Array(4))).rejects.toMatchObject({ code: 'DISPOSED' });
    await client.dispose();
    await client.dispose(); // twice is fine
    await expect(client.load({ url })).rejects.toMatchObject({ code: 'DISPOSED' });
  });

  test('errors are InferScopeError with the same code and message', async () => {
    const client = make();
    const model = await client.load({ url });
    const err = await model.predict(new Float32Array(3)).catch((e) => e);
    expect(err).toBeInstanceOf(InferScopeError);
    expect(isInferScopeError(err, 'INPUT_SHAPE')).toBe(true);
    // (layers models number their inputs per load in one engine: both modes share this process's)
    expect(err.message).toMatch(/^input 'hidden_input(_\d+)?': expected \[-1,4\] got \[3\] \(a flat array: pass a nested array or a tf\.Tensor to give the shape\) \(-1 = any size\)$/);
    const missing = await client.load({ url: `${server.url}/nope/model.json` }).catch((e) => e);
    expect(missing).toBeInstanceOf(InferScopeError);
    expect(missing.message).toContain('/nope/model.json');
    await client.dispose();
  });

  test('the same numbers for typed arrays, nested arrays, record-free inputs and tf.Tensor', async () => {
    const client = make();
    const model = await client.load({ url });
    const want = Array.from((await model.predict(new Float32Array([0.1, 0.2, 0.3, 0.4]))).data);
    const t = tf.tensor2d([[0.1, 0.2, 0.3, 0.4]]);
    for (const input of [[[0.1, 0.2, 0.3, 0.4]], new Float64Array([0.1, 0.2, 0.3, 0.4]), t]) {
      expect(Array.from((await model.predict(input as never)).data)).toEqual(want.map((v) => expect.closeTo(v, 5)));
    }
    expect(Array.from(t.dataSync())).toEqual([0.1, 0.2, 0.3, 0.4].map((v) => expect.closeTo(v, 6))); // the caller's tensor is intact
    t.dispose();
    await client.dispose();
  });
});

describe('worker mode only', () => {
  test('a whole typed array moves to the worker (detached here); a view into a larger buffer is copied', async () => {
    const client = createClient({ backends: ['cpu'], cache: false, idbFactory: false, worker: channelWorker(), workerFallback: false });
    const model = await client.load({ url });
    const whole = new Float32Array([0.5, 0.5, 0.5, 0.5]);
    await model.predict(whole);
    expect(whole.length).toBe(0);
    const big = new Float32Array([9, 0.5, 0.5, 0.5, 0.5, 9]);
    await model.predict(big.subarray(1, 5));
    expect(Array.from(big)).toEqual([9, 0.5, 0.5, 0.5, 0.5, 9]);
    await client.dispose();
  });

  test('options that cannot cross into a worker: direct mode with a worker-unavailable event, or WORKER_UNAVAILABLE', async () => {
    const events: DeliveryEvent[] = [];
    const f = globalThis.fetch.bind(globalThis);
    const client = createClient({ backends: ['cpu'], cache: false, idbFactory: false, worker: channelWorker(), fetch: f, onDeliveryEvent: (e) => events.push(e) });
    expect((await (await client.load({ url })).predict(new Float32Array(4))).shape).toEqual([1, 3]);
    expect(events).toContainEqual({ type: 'worker-unavailable', url: 'passed in options.worker', reason: expect.stringContaining('option fetch cannot cross into a worker') });
    await client.dispose();
    const strict = createClient({ backends: ['cpu'], worker: channelWorker(), workerFallback: false, fetch: f });
    await expect(strict.load({ url })).rejects.toMatchObject({ code: 'WORKER_UNAVAILABLE' });
  });

  test('dispose() settles calls the worker never answered: they reject with DISPOSED instead of waiting forever', async () => {
    const never: typeof fetch = () => new Promise(() => {}); // the model's server never answers
    const client = createClient({ backends: ['cpu'], cache: false, idbFactory: false, worker: channelWorker({ fetch: never }), workerFallback: false });
    const stuck = client.load({ url }).catch((e) => e);
    await client.flush(); // the load is in the worker now
    await client.dispose();
    const err = await Promise.race([stuck, new Promise((r) => setTimeout(() => r('still waiting'), 5_000))]);
    expect(err).toBeInstanceOf(InferScopeError);
    expect(err).toMatchObject({ code: 'DISPOSED' });
  });

  test('an option the worker refuses is the caller\'s error, not a fallback', async () => {
    const events: DeliveryEvent[] = [];
    const client = createClient({ backends: ['tpu' as never], worker: channelWorker(), onDeliveryEvent: (e) => events.push(e) });
    await expect(client.load({ url })).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    expect(events).toEqual([]);
  });
});

describe('what only the worker script can give (serve(endpoint, local))', () => {
  test('its own fetch serves model files and takes telemetry, which a page cannot send as functions', async () => {
    // The page names a host that does not exist; only the worker's fetch knows where it lives
    // (like the demo's dropped folders, answered from the page's files).
    const seen: string[] = [];
    const posted: string[] = [];
    const modelFetch: typeof fetch = (input, init) => {
      const u = String(input instanceof Request ? input.url : input);
      seen.push(u);
      return fetch(u.replace('https://files.invalid', server.url), init);
    };
    const telemetryFetch: typeof fetch = async (input, init) => {
      posted.push(typeof init?.body === 'string' ? init.body : new TextDecoder().decode(init?.body as Uint8Array));
      return new Response(null, { status: 204 });
    };
    const events: DeliveryEvent[] = [];
    const client = createClient({
      backends: ['cpu'], cache: false, idbFactory: false, workerFallback: false, onDeliveryEvent: (e) => events.push(e),
      worker: channelWorker({ fetch: modelFetch, telemetry: { fetch: telemetryFetch } }),
      telemetry: { endpoint: 'https://collector.invalid/v1/batches', appKey: 'pk_local', compress: false } as never,
    });
    const model = await client.load({ url: 'https://files.invalid/.tmp/fixtures/layers-float32/model.json', id: 'local-fetch', version: 'v1' });
    expect((await model.predict(new Float32Array([0.5, 0.5, 0.5, 0.5]))).shape).toEqual([1, 3]);
    expect(seen).toContain('https://files.invalid/.tmp/fixtures/layers-float32/model.json');
    expect(seen.some((u) => u.endsWith('.bin'))).toBe(true);
    await client.flush();
    expect(posted.length).toBeGreaterThan(0);
    expect(JSON.parse(posted.at(-1)!)).toMatchObject({ models: [expect.objectContaining({ model: 'local-fetch', predictions: 1 })] });
    expect(events).toContainEqual({ type: 'worker-started', url: 'passed in options.worker' });
    await client.dispose();
  });

  test('worker-started says the client runs in the worker; a fallback to direct mode never says it', async () => {
    const events: DeliveryEvent[] = [];
    const ok = createClient({ backends: ['cpu'], cache: false, idbFactory: false, worker: channelWorker(), onDeliveryEvent: (e) => events.push(e) });
    await (await ok.load({ url })).predict(new Float32Array(4));
    await ok.dispose();
    const worker = (list: DeliveryEvent[]) => list.map((e) => e.type).filter((t) => t.startsWith('worker-'));
    expect(worker(events)).toEqual(['worker-started']);
    const fell: DeliveryEvent[] = [];
    const direct = createClient({ backends: ['cpu'], cache: false, idbFactory: false, worker: channelWorker(), fetch: globalThis.fetch, onDeliveryEvent: (e) => fell.push(e) });
    await (await direct.load({ url })).predict(new Float32Array(4));
    await direct.dispose();
    expect(worker(fell)).toEqual(['worker-unavailable']);
  });
});

describe('what crosses the boundary (generated cases)', () => {
  const CTORS = [Float32Array, Float64Array, Int32Array, Int16Array, Int8Array, Uint32Array, Uint16Array, Uint8Array, Uint8ClampedArray] as const;
  const view = fc.record({ c: fc.integer({ min: 0, max: CTORS.length - 1 }), n: fc.integer({ min: 0, max: 12 }), pre: fc.nat(3), post: fc.nat(3) })
    .map(({ c, n, pre, post }) => {
      const C = CTORS[c]!;
      const all = new C(pre + n + post).map((_, i) => (i * 7) % 100);
      return all.subarray(pre, pre + n);
    });
  const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    v: fc.oneof({ depthSize: 'small' }, view, fc.double({ noNaN: true }), fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(fc.string({ maxLength: 5 }), tie('v'), { maxKeys: 3 })),
  })).v;
  const snapshot = (x: unknown): unknown => (ArrayBuffer.isView(x) ? { t: x.constructor.name, v: Array.from(x as Uint8Array) }
    : Array.isArray(x) ? x.map(snapshot) : x && typeof x === 'object' ? Object.fromEntries(Object.entries(x).map(([k, v]) => [k, snapshot(v)])) : x);

  test('after postMessage with the transfer list, the worker sees exactly the values the caller passed', async () => {
    await fc.assert(fc.asyncProperty(value, async (x) => {
      const before = snapshot(x);
      const moved = new Set<Transferable>();
      const wire = await toWireInput(x, moved);
      expect([...moved].every((b) => b instanceof ArrayBuffer)).toBe(true);
      const received = structuredClone(wire, { transfer: [...moved] as Transferable[] }); // throws on a bad transfer list
      expect(snapshot(received)).toEqual(before);
    }), { numRuns: 300 });
  });

  test('an InferScopeError of any code and message comes back as itself', () => {
    const codes: ErrorCode[] = ['MANIFEST_FETCH', 'INPUT_SHAPE', 'INTEGRITY', 'DISPOSED', 'WORKER_UNAVAILABLE', 'BACKEND_UNAVAILABLE'];
    fc.assert(fc.property(fc.constantFrom(...codes), fc.string(), (code, message) => {
      const wire = structuredClone(toWireError(new InferScopeError(code, message, { cause: new Error('why') })));
      const back = reviveError(wire) as InferScopeError; // the answer [id, 0, wire] (rpc.ts)
      expect(back).toBeInstanceOf(InferScopeError);
      expect([back.code, back.message, back.cause]).toEqual([code, message, 'why']);
    }));
    const plain = reviveError(structuredClone(toWireError(new TypeError('x'))));
    expect(plain).not.toBeInstanceOf(InferScopeError);
    expect(reviveError(new DOMException('could not be cloned', 'DataCloneError'))).toMatchObject({ code: 'INPUT_INVALID' });
  });
});
