// The faster input gradients integrated gradients uses on wasm (src/sdk/explain/fast-grads.ts,
// fast-max-pool.ts, tape-marks.ts, ig-kernels.ts) against tfjs's own gradients on random inputs. The reference
// runs on the cpu backend (tfjs's reference kernels): wasm's own MaxPoolGrad mishandles ties
// (it gives a 4-way tie at −3 no gradient at all, and 2-way ties to the last maximum).
// Tie rule of the max-pool gradient: tied maxima share their window's gradient equally (tfjs
// cpu gives all of it to the first maximum in scan order); the sum over each window is the same.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers'; // registers tfjs's gradients
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { withFastGradients } from '../../src/sdk/explain/fast-grads.js';
import { maxPoolInputGrad } from '../../src/sdk/explain/fast-max-pool.js';
import { withIgKernels } from '../../src/sdk/explain/ig-kernels.js';
import { markTape } from '../../src/sdk/explain/tape-marks.js';
import { explain } from '../../src/sdk/explain/index.js';
import { digitsLike } from './explain-models.js';

beforeAll(async () => { expect(await tf.setBackend('wasm')).toBe(true); });
afterAll(() => { tf.disposeVariables(); });

const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
const scale = (a: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(a)).dataSync()[0]!);

/**
 * Gradient of Σ w·f(z) w.r.t. z (w: seeded random weights): 'tfjs' with tfjs's own gradients on
 * the cpu backend, 'fast' / 'fast-summed' with the fast ones on wasm (summed: markTape(z) as IG does).
 */
function gradient(f: (z: tf.Tensor) => tf.Tensor, z: tf.Tensor, seed: number, mode: 'tfjs' | 'fast' | 'fast-summed'): tf.Tensor {
  const objective = (v: tf.Tensor) => {
    const out = f(v);
    if (mode === 'fast-summed') markTape(v);
    return tf.sum(tf.mul(out, tf.randomNormal(out.shape, 0, 1, 'float32', seed)));
  };
  if (mode !== 'tfjs') return withFastGradients(() => tf.grad(objective)(z));
  const values = z.dataSync();
  tf.setBackend('cpu');
  try {
    const g = tf.grad(objective)(tf.tensor(values, z.shape));
    return tf.tensor(g.dataSync(), g.shape); // read on cpu, then a fresh copy on wasm below
  } finally {
    tf.setBackend('wasm');
  }
}

describe('max-pool input gradient (2×2 and 3×3 windows that tile the input)', () => {
  test('equals tfjs MaxPoolGrad on random inputs (no ties)', () => {
    for (const [size, k, c] of [[28, 2, 8], [12, 3, 5], [8, 2, 1]] as const) {
      tf.tidy(() => {
        const x = tf.randomNormal([3, size, size, c], 0, 1, 'float32', size + k) as tf.Tensor4D;
        const pool = (z: tf.Tensor) => tf.maxPool(z as tf.Tensor4D, k, k, 'valid');
        const ref = gradient(pool, x, 1, 'tfjs');
        const fast = gradient(pool, x, 1, 'fast');
        expect(scale(ref)).toBeGreaterThan(0.5);
        expect(maxAbsDiff(ref, fast)).toBe(0); // the same values, copied
      });
    }
  });

  test('tied maxima share the gradient; each window passes the same total as tfjs', () => {
    tf.tidy(() => {
      // Window (0,0): all four tied at 1; window (0,1): two tied at 2; window (1,0): no tie; (1,1): all −3.
      const x = tf.tensor4d([1, 1, 2, 0, 1, 1, 2, -1, 5, 0, -3, -3, 0, 0, -3, -3], [1, 4, 4, 1]);
      const y = tf.maxPool(x, 2, 2, 'valid');
      const dy = tf.tensor4d([4, 6, 8, 2], [1, 2, 2, 1]);
      const mine = maxPoolInputGrad(x, y, dy, 2, 2);
      expect(Array.from(mine.dataSync())).toEqual([1, 1, 3, 0, 1, 1, 3, 0, 8, 0, 0.5, 0.5, 0, 0, 0.5, 0.5]);
      tf.setBackend('cpu');
      const cpu = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(z as tf.Tensor4D, 2, 2, 'valid'), dy)))(x).dataSync();
      tf.setBackend('wasm');
      expect(Array.from(cpu)).toEqual([4, 0, 6, 0, 0, 0, 0, 0, 8, 0, 2, 0, 0, 0, 0, 0]); // tfjs: all to the first maximum
      const ref = tf.tensor4d(cpu, [1, 4, 4, 1]);
      const windowSums = (t: tf.Tensor) => Array.from(tf.mul(tf.avgPool(t as tf.Tensor4D, 2, 2, 'valid'), 4).dataSync());
      expect(windowSums(mine)).toEqual(windowSums(ref));
    });
  });

  test('ReLU → max-pool with the ReLU mask folded into the pool gradient equals tfjs (negative and zero windows included)', () => {
    tf.tidy(() => {
      // Many all-negative windows: the ReLU output ties at 0 there and must pass no gradient.
      const a = tf.sub(tf.randomNormal([4, 16, 16, 6], 0, 1, 'float32', 5), 0.8);
      const f = (z: tf.Tensor) => tf.maxPool(tf.relu(tf.mul(z, 1.5)) as tf.Tensor4D, 2, 2, 'valid');
      const ref = gradient(f, a, 2, 'tfjs');
      const fast = gradient(f, a, 2, 'fast-summed');
      expect(scale(ref)).toBeGreaterThan(0.5);
      expect(maxAbsDiff(ref, fast)).toBeLessThanOrEqual(1e-6);
    });
  });

  test('a ReLU output read by more than the pool keeps its own gradient', () => {
    tf.tidy(() => {
      const a = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 9);
      const f = (z: tf.Tensor) => {
        const r = tf.relu(z) as tf.Tensor4D;
        return tf.concat([tf.reshape(tf.maxPool(r, 2, 2, 'valid'), [2, -1]), tf.reshape(tf.mul(r, -0.5), [2, -1])], 1);
      };
      expect(maxAbsDiff(gradient(f, a, 3, 'tfjs'), gradient(f, a, 3, 'fast-summed'))).toBeLessThanOrEqual(1e-6);
    });
  });
});

describe('convolution and matmul input gradients', () => {
  const cases: { name: string; x: number[]; f: [number, number, number, number]; pad: 'same' | 'valid' }[] = [
    { name: '1 input channel, 5×5 same (depthwise path)', x: [3, 14, 14, 1], f: [5, 5, 1, 8], pad: 'same' },
    { name: '3 input channels, 3×3 valid (depthwise path)', x: [2, 10, 10, 3], f: [3, 3, 3, 4], pad: 'valid' },
    { name: '8 input channels, 3×3 same (conv path)', x: [3, 9, 9, 8], f: [3, 3, 8, 16], pad: 'same' },
  ];
  for (const c of cases) {
    test(`conv2d, ${c.name}: per row equal to tfjs; batch-summed: the batch sum is equal`, () => {
      tf.tidy(() => {
        const x = tf.randomNormal(c.x, 0, 1, 'float32', 11);
        const filter = tf.randomNormal(c.f, 0, 0.3, 'float32', 12) as tf.Tensor4D;
        const conv = (z: tf.Tensor) => tf.conv2d(z as tf.Tensor4D, filter, 1, c.pad);
        const ref = gradient(conv, x, 4, 'tfjs');
        const tol = 1e-5 * Math.max(1, scale(ref));
        expect(maxAbsDiff(ref, gradient(conv, x, 4, 'fast'))).toBeLessThanOrEqual(tol);
        const summed = gradient(conv, x, 4, 'fast-summed');
        expect(maxAbsDiff(tf.sum(ref, 0), tf.sum(summed, 0))).toBeLessThanOrEqual(tol * c.x[0]!);
        expect(maxAbsDiff(tf.slice(summed, [1], [-1]), tf.zerosLike(tf.slice(summed, [1], [-1])))).toBe(0); // rows past the first carry nothing
      });
    });
  }

  test('dense (matmul) input gradient, per row and batch-summed', () => {
    tf.tidy(() => {
      const x = tf.randomNormal([6, 20], 0, 1, 'float32', 13);
      const w = tf.randomNormal([20, 7], 0, 1, 'float32', 14);
      const dense = (z: tf.Tensor) => tf.relu(tf.matMul(z as tf.Tensor2D, w as tf.Tensor2D));
      const ref = gradient(dense, x, 5, 'tfjs');
      expect(maxAbsDiff(ref, gradient(dense, x, 5, 'fast'))).toBeLessThanOrEqual(1e-5);
      expect(maxAbsDiff(tf.sum(ref, 0), tf.sum(gradient(dense, x, 5, 'fast-summed'), 0))).toBeLessThanOrEqual(1e-4);
    });
  });
});

describe('first convolution of the interpolation points from the line (ig-kernels.ts)', () => {
  test('conv(b + α·d) computed as conv(b) + α·conv(d) equals the direct convolution; other convolutions and the kernel registry are untouched', () => {
    tf.tidy(() => {
      const b = tf.randomUniform([1, 12, 12, 2], 0, 1, 'float32', 21);
      const d = tf.randomNormal([1, 12, 12, 2], 0, 1, 'float32', 22);
      const alpha = tf.tensor1d([0.1, 0.35, 0.6, 0.9]);
      const points = tf.add(b, tf.mul(tf.reshape(alpha, [4, 1, 1, 1]), d));
      const other = tf.randomNormal([4, 12, 12, 2], 0, 1, 'float32', 23);
      const filter = tf.randomNormal([3, 3, 2, 5], 0, 0.5, 'float32', 24) as tf.Tensor4D;
      const conv = (z: tf.Tensor) => tf.conv2d(z as tf.Tensor4D, filter, 1, 'same');
      const kernel = tf.getKernel('Conv2D', 'wasm');
      const [viaLine, otherWrapped] = withIgKernels(points, tf.concat([b, d]), tf.stack([tf.onesLike(alpha), alpha], 1), () => [conv(points), conv(other)]);
      expect(tf.getKernel('Conv2D', 'wasm')).toBe(kernel);
      const direct = conv(points);
      expect(scale(direct)).toBeGreaterThan(0.5);
      expect(maxAbsDiff(viaLine!, direct)).toBeLessThanOrEqual(1e-5 * scale(direct));
      // It really is computed from the line: other coefficients give that line's convolution.
      const [twice] = withIgKernels(points, tf.concat([b, d]), tf.stack([tf.onesLike(alpha), tf.mul(alpha, 2)], 1), () => [conv(points)]);
      const expected = conv(tf.add(b, tf.mul(tf.reshape(tf.mul(alpha, 2), [4, 1, 1, 1]), d)));
      expect(maxAbsDiff(twice!, expected)).toBeLessThanOrEqual(1e-5 * scale(expected));
      expect(maxAbsDiff(otherWrapped!, conv(other))).toBe(0);
    });
  });
});

test('integrated gradients on wasm frees every wasm buffer it made (shared saved copies are reference-counted) and puts every kernel and gradient back', async () => {
  const model = digitsLike(5, 4);
  const pixels = Float32Array.from({ length: 784 }, (_, i) => ((i * 31) % 97) / 97);
  await explain(model, pixels, { steps: 8 }); // first call probes the model's gradients
  const backend = tf.engine().backend as unknown as { numDataIds(): number };
  const names = ['Conv2D', 'Identity', 'BatchMatMul'];
  const kernels = names.map((k) => tf.getKernel(k, 'wasm'));
  const grads = ['Conv2D', 'MaxPool', 'BatchMatMul', 'Relu'].map((k) => tf.getGradient(k));
  const [tensors, buffers] = [tf.memory().numTensors, backend.numDataIds()];
  for (let i = 0; i < 3; i++) await explain(model, pixels, { steps: 8 });
  expect([tf.memory().numTensors, backend.numDataIds()]).toEqual([tensors, buffers]);
  expect(names.map((k) => tf.getKernel(k, 'wasm'))).toEqual(kernels);
  expect(['Conv2D', 'MaxPool', 'BatchMatMul', 'Relu'].map((k) => tf.getGradient(k))).toEqual(grads);
});
