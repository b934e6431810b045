// Real Chromium: the same explanation on cpu, wasm (threaded SIMD under COOP/COEP) and webgpu
// (SwiftShader), and webgl: integrated gradients on a CNN of the digits architecture and
// KernelSHAP on a tabular MLP, with no tensor left behind on any backend.
//
// Tolerance: |a − b| <= 1e-3 · max|attribution| + 1e-5 (GPU backends reorder float sums).
//
// Direct only, by nature: these call explain() on in-memory models switching the page's tfjs
// backend; a model object cannot cross into a worker. Worker mode runs the same explain code
// behind model.explain(): explain-telemetry.test.ts (Chromium) and test/unit/explain-sdk.test.ts.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, expect, test } from 'vitest';
import { explain, type Explanation } from '../../src/sdk/explain/index.js';
import { digitsLike, tabularMlp } from '../unit/explain-models.js';

const BACKENDS = ['cpu', 'wasm', 'webgl', 'webgpu'];

beforeAll(async () => {
  setWasmPaths('/node_modules/@tensorflow/tfjs-backend-wasm/dist/');
  await import('@tensorflow/tfjs-backend-webgpu'); // only after the page proved navigator.gpu (smoke test)
  expect(await tf.setBackend('cpu')).toBe(true);
});

async function onEach(run: () => Promise<Explanation>): Promise<Record<string, Explanation>> {
  const out: Record<string, Explanation> = {};
  for (const backend of BACKENDS) {
    expect(await tf.setBackend(backend), backend).toBe(true);
    await run(); // first run compiles shaders and probes gradients
    const before = tf.memory().numTensors;
    out[backend] = await run();
    expect(tf.memory().numTensors, `tensors left on ${backend}`).toBe(before);
  }
  await tf.setBackend('cpu');
  return out;
}

function expectSame(r: Record<string, Explanation>) {
  const ref = r.cpu!.attributions;
  const scale = Math.max(...ref.map(Math.abs));
  expect(scale).toBeGreaterThan(1e-4);
  for (const b of BACKENDS.slice(1)) {
    expect(r[b]!.classIndex, b).toBe(r.cpu!.classIndex);
    const diff = Math.max(...ref.map((a, i) => Math.abs(a - r[b]!.attributions[i]!)));
    expect(diff, `${b} vs cpu`).toBeLessThanOrEqual(1e-3 * scale + 1e-5);
  }
}

test('integrated gradients agree on cpu, wasm, webgl and webgpu', async () => {
  const cnn = digitsLike();
  const pixels = Float32Array.from({ length: 784 }, (_, i) => ((i * 104729) % 256) / 255);
  const r = await onEach(() => explain(cnn, pixels, { steps: 16 }));
  expectSame(r);
  for (const b of BACKENDS) expect(Math.abs(r[b]!.delta), b).toBeLessThanOrEqual(0.01);
  expect(r.webgpu!.saliency).toMatchObject({ height: 28, width: 28 });
});

test('KernelSHAP agrees on cpu, wasm, webgl and webgpu', async () => {
  const mlp = tabularMlp(6, 3, 4);
  const background = Array.from({ length: 8 }, (_, r) => Array.from({ length: 6 }, (_, i) => Math.sin(r * 6 + i)));
  const r = await onEach(() => explain(mlp, [0.3, -1.2, 2, 0.7, -0.4, 1.1], { method: 'kernel-shap', background, features: ['a', 'b', 'c', 'd', 'e', 'f'] }));
  expectSame(r);
  expect(r.webgpu!.features?.[2]?.name).toBe('c');
});
