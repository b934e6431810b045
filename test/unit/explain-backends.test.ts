// The same explanation on every Node backend: cpu and wasm give the same attributions
// (tolerance 1e-4 absolute; float32 kernels differ in summation order).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { explain, type Explanation } from '../../src/sdk/explain/index.js';
import { digitsLike, smallCnn, tabularMlp } from './explain-models.js';

const TOL = 1e-4;
beforeAll(async () => { await tf.setBackend('cpu'); });
afterAll(async () => { await tf.setBackend('cpu'); });

async function onEach(run: () => Promise<Explanation>): Promise<Record<string, Explanation>> {
  const out: Record<string, Explanation> = {};
  for (const backend of ['cpu', 'wasm']) {
    expect(await tf.setBackend(backend)).toBe(true);
    const before = tf.memory().numTensors;
    out[backend] = await run();
    expect(tf.memory().numTensors).toBe(before);
  }
  return out;
}

test('integrated gradients on a 28×28 CNN agree on cpu and wasm', async () => {
  const cnn = smallCnn(28, 1, 10, 5);
  const pixels = Float32Array.from({ length: 784 }, (_, i) => ((i * 7919) % 255) / 255);
  const r = await onEach(() => explain(cnn, pixels));
  expect(r.wasm.classIndex).toBe(r.cpu.classIndex);
  expect(r.wasm.score).toBeCloseTo(r.cpu.score, 4);
  const diff = Math.max(...r.cpu.attributions.map((a, i) => Math.abs(a - r.wasm.attributions[i])));
  expect(diff).toBeLessThanOrEqual(TOL);
});

// wasm takes faster conv/max-pool input gradients (fast-grads.ts); cpu keeps tfjs's own.
test('integrated gradients on the digits architecture (same-padded 5×5 convs, 2×2 pools) agree on cpu and wasm', async () => {
  const cnn = digitsLike(11, 8); // first conv: 1 input channel (depthwise path); second: 8 (conv path)
  const pixels = Float32Array.from({ length: 784 }, (_, i) => ((i * 104729) % 256) / 255);
  const r = await onEach(() => explain(cnn, pixels, { steps: 16 }));
  expect(r.wasm.classIndex).toBe(r.cpu.classIndex);
  const diff = Math.max(...r.cpu.attributions.map((a, i) => Math.abs(a - r.wasm.attributions[i])));
  expect(diff).toBeLessThanOrEqual(TOL);
  expect(Math.max(...r.cpu.attributions.map(Math.abs))).toBeGreaterThan(10 * TOL); // not all ~0: the agreement means something
});

test('integrated gradients on an RGB CNN (3 input channels) agree on cpu and wasm', async () => {
  const cnn = smallCnn(8, 3, 4, 21);
  const pixels = Float32Array.from({ length: 192 }, (_, i) => ((i * 7) % 13) / 13);
  const r = await onEach(() => explain(cnn, pixels));
  const diff = Math.max(...r.cpu.attributions.map((a, i) => Math.abs(a - r.wasm.attributions[i])));
  expect(diff).toBeLessThanOrEqual(TOL);
  expect(Math.max(...r.cpu.attributions.map(Math.abs))).toBeGreaterThan(10 * TOL);
});

test('KernelSHAP on a tabular MLP agrees on cpu and wasm', async () => {
  const mlp = tabularMlp(8, 3, 9);
  const background = Array.from({ length: 12 }, (_, r) => Array.from({ length: 8 }, (_, i) => Math.sin(r * 8 + i)));
  const x = [0.3, -1.2, 2, 0.7, -0.4, 1.1, 0, -2];
  const r = await onEach(() => explain(mlp, x, { method: 'kernel-shap', background, features: 'abcdefgh'.split('') }));
  const diff = Math.max(...r.cpu.attributions.map((a, i) => Math.abs(a - r.wasm.attributions[i])));
  expect(diff).toBeLessThanOrEqual(TOL);
  expect(r.wasm.features?.map((f) => f.name).join('')).toBe('abcdefgh');
});

test("tfjs's own gradients are back in the registry after an explanation on wasm", async () => {
  await tf.setBackend('wasm');
  const conv = tf.getGradient('Conv2D');
  const pool = tf.getGradient('MaxPool');
  const matmul = tf.getGradient('BatchMatMul');
  const relu = tf.getGradient('Relu');
  await explain(smallCnn(8), tf.ones([8, 8, 1]), { steps: 4 });
  expect(tf.getGradient('Conv2D')).toBe(conv);
  expect(tf.getGradient('MaxPool')).toBe(pool);
  expect(tf.getGradient('BatchMatMul')).toBe(matmul);
  expect(tf.getGradient('Relu')).toBe(relu);
  await tf.setBackend('cpu');
});
