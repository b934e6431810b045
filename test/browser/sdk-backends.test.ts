// Real Chromium (WebGPU on SwiftShader, WebGL2, threaded WASM under COOP/COEP, CPU): one model
// answers the same on every backend; missing WebGPU and a wrong self-test are skipped with reasons;
// no tensor leaks after 1,000 predictions on each backend.
//
// Tolerance across backends: |a - b| <= 1e-3 * (1 + |b|) (GPU backends may reorder float sums).
//
// Worker mode (describe.each below): the same model on every backend inside a module worker
// (WebGPU in the worker, WebGL on its OffscreenCanvas, threaded wasm), the software-adapter
// placement, and every image source, against direct mode's numbers. The other cases read or patch
// the page's own tfjs and navigator (tf.memory(), getThreadsCount(), navigator.gpu) or pass
// testHooks (a function), which do not reach a worker: they stay direct-only.
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, test } from 'vitest';
import { createClient, type BackendName } from '../../src/index.js';

const MODEL = '/.tmp/fixtures/graph-conv/model.json';
const ASSETS = '/node_modules/@tensorflow/tfjs-backend-wasm/dist/';
const image = Array.from({ length: 2 }, (_, n) => Array.from({ length: 8 }, (_, y) => Array.from({ length: 8 }, (_, x) => [((x * 3 + y * 5 + n) % 11) / 10])));
const close = (b: number) => ({ asymmetricMatch: (a: number) => Math.abs(a - b) <= 1e-3 * (1 + Math.abs(b)), toString: () => `≈${b}` });
const clients: ReturnType<typeof createClient>[] = [];
// initTimeoutMs 60 s, not the 10 s default: on a loaded CI machine starting threaded WASM or WebGPU on
// SwiftShader can take that long, and a backend given up on would fail a placement claim here.
const client = (o: Parameters<typeof createClient>[0]) => { const c = createClient({ assetsUrl: ASSETS, idbFactory: false, initTimeoutMs: 60_000, ...o }); clients.push(c); return c; };
const inMode = (mode: string) => (o: Parameters<typeof createClient>[0]) => client({
  ...o, ...(mode === 'worker' ? { worker: new Worker(new URL('../../src/worker.ts', import.meta.url), { type: 'module' }), workerFallback: false } : {}),
});
/** cpu's answer in direct mode: every backend in both modes must give it. */
let reference: number[] | undefined;
afterEach(async () => { for (const c of clients.splice(0)) await c.dispose(); });

test('the page is cross-origin isolated and exposes WebGPU (test preconditions)', () => {
  expect(globalThis.crossOriginIsolated).toBe(true);
  expect('gpu' in navigator).toBe(true);
});


test('the threaded SIMD WASM binary is the one fetched (and verified) when cross-origin isolated', async () => {
  const m = await client({ backends: ['wasm'] }).load({ url: MODEL });
  expect(m.backend).toBe('wasm');
  const wasmFiles = performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.endsWith('.wasm'));
  expect(wasmFiles).toEqual([expect.stringMatching(/tfjs-backend-wasm-threaded-simd\.wasm$/)]);
  // tfjs sizes its pool to half the cores (1 on a 2-core CI machine); the threaded build runs either way.
  const { getThreadsCount } = await import('@tensorflow/tfjs-backend-wasm');
  expect(getThreadsCount()).toBeGreaterThanOrEqual(1);
});

test('WebGPU missing (navigator.gpu hidden) → the default order falls back to wasm, with the reason', async () => {
  const desc = Object.getOwnPropertyDescriptor(Navigator.prototype, 'gpu')!;
  Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true });
  try {
    const m = await client({}).load({ url: MODEL });
    expect(m.backend).toBe('wasm');
    expect(m.fallbacks).toEqual([{ backend: 'webgpu', reason: expect.stringContaining('navigator.gpu is missing') }]);
  } finally {
    Object.defineProperty(Navigator.prototype, 'gpu', desc);
  }
});


test('a backend forced to fail its self-test is skipped', async () => {
  const m = await client({ backends: ['webgpu', 'webgl', 'cpu'], testHooks: { corruptSelfTest: ['webgpu', 'webgl'] } }).load({ url: MODEL });
  expect(m.backend).toBe('cpu');
  expect(m.fallbacks.map((f) => f.backend)).toEqual(['webgpu', 'webgl']);
  for (const f of m.fallbacks) expect(f.reason).toMatch(/^self-test matmul/);
});

test.each(['webgpu', 'wasm', 'webgl', 'cpu'] as BackendName[])('no tensor leaks after 1,000 predictions on %s', async (b) => {
  const m = await client({ backends: [b] }).load({ url: '/.tmp/fixtures/graph-float32/model.json' });
  const x = new Float32Array([0.5, -1, 2, 0.25]);
  await m.predict(x);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 1000; i++) await m.predict(x);
  expect(tf.memory().numTensors).toBe(before);
});

describe.each(['direct', 'worker'])('%s mode', (mode) => {
  const make = inMode(mode);

  test('one model gives the same outputs on webgpu, wasm, webgl and cpu', async () => {
    const results: Record<string, Float32Array> = {};
    for (const b of ['cpu', 'wasm', 'webgl', 'webgpu'] as BackendName[]) {
      const m = await make({ backends: [b] }).load({ url: MODEL });
      expect(m.backend).toBe(b);
      expect(m.fallbacks).toEqual([]);
      const r = await m.predict(image);
      expect(r.shape).toEqual([2, 3]);
      results[b] = r.data;
    }
    reference ??= Array.from(results.cpu!); // direct mode runs first
    for (const b of ['cpu', 'wasm', 'webgl', 'webgpu']) expect(Array.from(results[b]!), b).toEqual(reference.map(close));
  });

  test('WebGPU on a software adapter (this headless Chromium: SwiftShader) goes after wasm by default, with the reason (#17.6)', async () => {
    const adapter = await navigator.gpu.requestAdapter();
    const info = (adapter as unknown as { info?: { architecture?: string; vendor?: string } }).info;
    expect(`${info?.vendor} ${info?.architecture}`).toMatch(/swiftshader/i); // the precondition this test is about
    const m = await make({}).load({ url: MODEL });
    expect(m.backend).toBe('wasm');
    expect(m.fallbacks).toEqual([{ backend: 'webgpu', reason: expect.stringMatching(/^WebGPU runs on a (software|fallback) adapter \(.*swiftshader.*\), far slower than wasm: placed after wasm$/i) }]);
    // Still there when wasm cannot run: listed after it, not removed.
    const gpuOnly = await make({ backends: ['webgpu', 'cpu'] }).load({ url: MODEL });
    expect(gpuOnly.backend).toBe('webgpu');
  });

  test('image sources: ImageData, canvas, ImageBitmap and OffscreenCanvas are resized + normalized alike', async () => {
    const spec = { name: 'image', shape: [-1, 8, 8, 1], dtype: 'float32' as const, kind: 'image' as const, image: { height: 8, width: 8, channels: 1 as const } };
    const m = await make({ backends: ['webgl'] }).load({ url: MODEL, inputs: [spec] });
    const canvas = document.createElement('canvas');
    canvas.width = 32; canvas.height = 24;
    const ctx = canvas.getContext('2d')!;
    const grad = ctx.createLinearGradient(0, 0, 32, 24);
    grad.addColorStop(0, '#000'); grad.addColorStop(1, '#fff');
    ctx.fillStyle = grad; ctx.fillRect(0, 0, 32, 24);
    const imageData = ctx.getImageData(0, 0, 32, 24);
    const off = new OffscreenCanvas(32, 24);
    off.getContext('2d')!.putImageData(imageData, 0, 0);
    const bitmap = await createImageBitmap(canvas);
    const outs = [];
    for (const src of [imageData, canvas, bitmap, off]) outs.push(Array.from((await m.predict(src)).data));
    for (const o of outs.slice(1)) expect(o).toEqual(outs[0]!.map(close));
  });
});
