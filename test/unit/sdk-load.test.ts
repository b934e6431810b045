// Node tier: fixture models in every converter format / quantization / shard layout load through
// the SDK on the cpu and wasm backends and answer what raw tfjs answers for the same files.
// Every case runs in direct mode and in worker mode (test/support/channel-worker.ts).
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import { loadLayersModel, type LayersModel } from '@tensorflow/tfjs-layers';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createClient as createClientOf, isInferScopeError, type Client, type ClientOptions, type Model } from '../../src/index.js';
import { MODES } from '../support/channel-worker.js';
import { ensureFixtures, FIXTURES, seeded } from '../support/fixtures.js';
import { REPO_ROOT, serveStatic, type StaticServer } from '../support/fixtures-server.js';

const WASM_DIR = join(REPO_ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist/');
const BATCH = [[0.5, -1, 2, 0.25], [-0.75, 1.5, 0, 3]];
let server: StaticServer;
const url = (name: string) => `${server.url}/.tmp/fixtures/${name}/model.json`;

beforeAll(async () => {
  await ensureFixtures();
  server = await serveStatic();
  setWasmPaths(WASM_DIR); // for the raw-tfjs reference runs
});
afterAll(() => server.close());

async function rawPredict(backend: string, name: string, format: string, input: tf.Tensor, async = false): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const x = tf.tensor(input.arraySync() as number[][], input.shape);
  if (format === 'layers-model') {
    const m: LayersModel = await loadLayersModel(url(name));
    const out = m.predict(x) as tf.Tensor;
    const d = (await out.data()) as Float32Array;
    tf.dispose([out, x]); m.dispose();
    return [d];
  }
  const m: GraphModel = await loadGraphModel(url(name));
  const outs = (async ? await m.executeAsync(x) : m.execute(x)) as tf.Tensor | tf.Tensor[];
  const list = Array.isArray(outs) ? outs : [outs];
  const data = await Promise.all(list.map(async (t) => Float32Array.from(await t.data() as ArrayLike<number>)));
  tf.dispose([...list, x]); m.dispose();
  return data;
}

describe.each(MODES)('%s mode', (_, extra) => {
  const createClient = (o: ClientOptions) => createClientOf({ ...o, ...extra() });

  describe.each(['cpu', 'wasm'] as const)('on %s', (backend) => {
    const client = () => createClient({ backends: [backend], assetsUrl: WASM_DIR, idbFactory: false });

    // graph-einsum uses a kernel the wasm backend lacks (tested as a fallback in sdk-backends).
    test.each(FIXTURES.filter((f) => f.inputShape.length === 2 && !(backend === 'wasm' && f.name === 'graph-einsum')).map((f) => [f.name, f] as const))('%s matches raw tfjs', async (name, f) => {
      const c = client();
      const model = await c.load({ url: url(name) });
      expect(model.backend).toBe(backend);
      expect(model.format).toBe(f.format);
      const r = await model.predict(BATCH);
      const raw = await rawPredict(backend, name, f.format, tf.tensor2d(BATCH), f.async);
      expect(r.shape).toEqual([2, 3]);
      expect(Array.from(r.data)).toEqual(Array.from(raw[0]!).map((v) => expect.closeTo(v, 6)));
      if (f.async) expect(Array.from(r.outputs![1]!.data)).toEqual(Array.from(raw[1]!));
      await c.dispose();
    });
  });

  test('quantized weights are dequantized as the converter meant them (uint8/uint16 affine, float16)', async () => {
    await tf.setBackend('cpu');
    const original = seeded(4 * 16, 21); // graph fixture weight 'l1/w'
    for (const [quant, tol] of [['uint8', (2 / 255) / 2 + 1e-6], ['uint16', (2 / 65535) / 2 + 1e-6], ['float16', 1e-3]] as const) {
      const m = await loadGraphModel(url(`graph-${quant}`));
      const w = m.weights['l1/w']![0]!.dataSync();
      const err = Math.max(...Array.from(w, (v, i) => Math.abs(v - original[i]!)));
      expect(err, quant).toBeLessThanOrEqual(tol);
      expect(err, `${quant} must actually be lossy`).toBeGreaterThan(0);
      m.dispose();
    }
  });

  test('a graph with a dynamic op runs via executeAsync without the caller knowing', async () => {
    await tf.setBackend('cpu');
    const raw = await loadGraphModel(url('graph-async'));
    expect(() => raw.execute(tf.tensor2d(BATCH))).toThrow(/executeAsync/);
    raw.dispose();
    const c = createClient({ backends: ['cpu'], idbFactory: false });
    const m = await c.load({ url: url('graph-async') });
    const r = await m.predict(BATCH);
    expect(r.outputs).toHaveLength(2);
    expect(r.outputs![1]!.shape).toEqual([5, 2]); // five positive entries in BATCH, [row, col] each
    await c.dispose();
  });

  test('progress events report bytes until model.json + every shard arrived', async () => {
    const c = createClient({ backends: ['cpu'], idbFactory: false });
    const events: { loaded: number; total: number }[] = [];
    // Byte progress (the delivery layer adds 0/1 step events for other phases).
    await c.load({ url: url('layers-float32'), onProgress: (p) => { const phase = (p as { phase?: string }).phase; if (phase == null || phase === 'download') events.push({ ...p }); } });
    const dir = join(REPO_ROOT, '.tmp/fixtures/layers-float32');
    const shardBytes = readdirSync(dir).filter((f) => f.endsWith('.bin')).reduce((s, f) => s + statSync(join(dir, f)).size, 0);
    expect(events.length).toBeGreaterThanOrEqual(3); // bytes arrive per shard
    expect(events.at(-1)!.loaded).toBeGreaterThanOrEqual(shardBytes);
    expect(events.map((e) => e.loaded)).toEqual([...events.map((e) => e.loaded)].sort((a, b) => a - b));
    expect(server.requests.filter((p) => p.startsWith('/.tmp/fixtures/layers-float32/group1-shard')).length).toBeGreaterThanOrEqual(3);
    await c.dispose();
  });

  describe('predict inputs', () => {
    let c: Client;
    let m: Model;
    beforeAll(async () => {
      c = createClient({ backends: ['cpu'], idbFactory: false });
      m = await c.load({ url: url('graph-float32'), outputs: [{ name: 'probs', shape: [-1, 3], dtype: 'float32', labels: ['a', 'b', 'c'] }] });
    });
    afterAll(() => c.dispose());

    test('typed arrays, nested arrays and tf.Tensor give the same answer; one example gets top-k labels', async () => {
      const a = await m.predict(Float32Array.from(BATCH[0]!));
      const b = await m.predict(BATCH[0]!);
      const t = tf.tensor2d([BATCH[0]!]);
      const d = await m.predict(t);
      t.dispose();
      expect(a.shape).toEqual([1, 3]);
      expect(Array.from(b.data)).toEqual(Array.from(a.data));
      expect(Array.from(d.data)).toEqual(Array.from(a.data));
      expect(a.top).toHaveLength(3);
      expect(a.top!.map((x) => x.label).sort()).toEqual(['a', 'b', 'c']);
      expect(a.top![0]!.score).toBe(Math.max(...a.data));
      expect(a.id).toMatch(/^[0-9a-f]{32}$/);
      expect(a.ms).toBeGreaterThan(0);
    });

    test('a batch answers one row per example and the top class of each', async () => {
      const r = await m.predict(new Float32Array(BATCH.flat()));
      expect(r.shape).toEqual([2, 3]);
      expect(r.top).toHaveLength(2);
    });

    test('wrong shapes and dtypes say what was expected and what came', async () => {
      const err = await m.predict([[1, 2, 3]]).catch((e) => e);
      expect(isInferScopeError(err, 'INPUT_SHAPE')).toBe(true);
      expect(err.message).toContain('expected [-1,4] got [1,3]');
      const flat = await m.predict(new Float32Array(5)).catch((e) => e);
      expect(flat.code).toBe('INPUT_SHAPE');
      const ragged = await m.predict([[1, 2, 3, 4], [1, 2]]).catch((e) => e);
      expect(ragged.code).toBe('INPUT_SHAPE');
      const t = tf.tensor2d([[1, 2, 3, 4]], [1, 4], 'int32');
      const dtype = await m.predict(t).catch((e) => e);
      t.dispose();
      expect(dtype.code).toBe('INPUT_SHAPE');
      expect(dtype.message).toContain('expected dtype float32 got int32');
    });

    test('no tensor leaks after 1,000 predictions', async () => {
      await m.predict(BATCH);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 1000; i++) await m.predict(i % 2 ? BATCH : Float32Array.from(BATCH[0]!));
      expect(tf.memory().numTensors).toBe(before);
    });
  });

  test('image inputs (ImageData-like pixels) are resized and normalized per the input spec', async () => {
    const c = createClient({ backends: ['cpu'], idbFactory: false });
    const spec = { name: 'image', shape: [-1, 8, 8, 1], dtype: 'float32' as const, kind: 'image' as const, image: { height: 8, width: 8, channels: 1 as const, scale: 1 / 255 } };
    const m = await c.load({ url: url('graph-conv'), inputs: [spec] });
    const data = new Uint8ClampedArray(16 * 16 * 4);
    for (let i = 0; i < 16 * 16; i++) data.set([(i * 7) % 256, (i * 3) % 256, (i * 5) % 256, 255], i * 4);
    // A copy to predict: in worker mode the pixels' buffer moves to the worker (detached here).
    const r = await m.predict({ data: data.slice(), width: 16, height: 16 });
    // Reference: the same preprocessing written out with tfjs ops, then raw tfjs.
    await tf.setBackend('cpu');
    const x = tf.tidy(() => {
      const rgb = tf.tensor3d(Array.from({ length: 256 }, (_, i) => [data[i * 4]!, data[i * 4 + 1]!, data[i * 4 + 2]!]).flat(), [16, 16, 3]);
      const small = tf.image.resizeBilinear(rgb, [8, 8]);
      return tf.expandDims(tf.div(tf.sum(tf.mul(small, tf.tensor1d([0.299, 0.587, 0.114])), -1, true), 255), 0);
    });
    const raw = await loadGraphModel(url('graph-conv'));
    const want = (raw.execute(x) as tf.Tensor).dataSync();
    expect(Array.from(r.data)).toEqual(Array.from(want).map((v) => expect.closeTo(v, 5)));
    raw.dispose(); x.dispose();
    const twoImages = await m.predict([{ data: data.slice(), width: 16, height: 16 }, { data: data.slice(), width: 16, height: 16 }]);
    expect(twoImages.shape).toEqual([2, 3]);
    await c.dispose();
  });

  // The demo page loads a new model beside the running one and disposes the old one only once the
  // new one runs (#13.5). tfjs-layers registers variables by layer name in the page's one engine,
  // so the same layers model (or its other quantizations, same names) alive twice must not collide,
  // and disposing one must not take the other's weights. Generated load/dispose sequences.
  test('layers models with the same layer names live side by side; disposing one leaves the others answering the same', async () => {
    const names = ['layers-float32', 'layers-uint8', 'layers-float16'];
    const step = fc.oneof(fc.record({ load: fc.constantFrom(...names) }), fc.record({ dispose: fc.nat() }));
    await fc.assert(fc.asyncProperty(fc.array(step, { minLength: 2, maxLength: 8 }), async (steps) => {
      const alive: { c: Client; m: Model; first: number[] }[] = [];
      try {
        for (const s of [{ load: 'layers-uint8' }, ...steps]) {
          if ('load' in s) {
            const c = createClient({ backends: ['cpu'], idbFactory: false });
            const m = await c.load({ url: url(s.load) });
            alive.push({ c, m, first: Array.from((await m.predict(BATCH)).data) });
          } else if (alive.length) {
            await alive.splice(s.dispose % alive.length, 1)[0]!.c.dispose();
          }
          for (const a of alive) expect(Array.from((await a.m.predict(BATCH)).data)).toEqual(a.first);
        }
      } finally {
        for (const a of alive) await a.c.dispose();
      }
    }), { numRuns: 15, seed: 135 });
  });

  test('dispose() is idempotent on model and client; a disposed model answers DISPOSED', async () => {
    const c = createClient({ backends: ['cpu'], idbFactory: false });
    const m = await c.load({ url: url('layers-uint8') });
    const before = tf.memory().numTensors;
    m.dispose(); m.dispose();
    await c.flush(); // worker mode: answered after the worker handled the dispose (messages arrive in order)
    expect(tf.memory().numTensors).toBeLessThan(before);
    await expect(m.predict(BATCH)).rejects.toMatchObject({ code: 'DISPOSED' });
    await c.dispose(); await c.dispose();
    await expect(c.load({ url: url('layers-uint8') })).rejects.toMatchObject({ code: 'DISPOSED' });
  });

  test('load by id without a manifest says what is missing; a 404 names the status', async () => {
    const c = createClient({ backends: ['cpu'], idbFactory: false });
    await expect(c.load('digits', { channel: 'stable' })).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND', message: expect.stringContaining('manifestUrl') });
    const missing = await c.load({ url: `${server.url}/nope/model.json` }).catch((e) => e);
    expect(['MODEL_NOT_FOUND', 'NETWORK']).toContain(missing.code);
    expect(missing.message).toContain('404');
    await c.dispose();
  });
});
