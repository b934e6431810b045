// The hand-built forward + backward integrated gradients uses on wasm for recognized layer
// chains (src/sdk/explain/layer-chain.ts, chain-gradients.ts), against tfjs's own gradients on
// the cpu backend (reference kernels, gradient tape) on random inputs; and which models fall
// back to the tape.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chainGradientSum } from '../../src/sdk/explain/chain-gradients.js';
import { layerChain } from '../../src/sdk/explain/layer-chain.js';
import { maxPoolInputGrad } from '../../src/sdk/explain/fast-max-pool.js';
import { gridMaxPool, gridMaxPoolGrad, regroup } from '../../src/sdk/explain/grid-pool.js';
import { explain } from '../../src/sdk/explain/index.js';
import { digitsLike, smallCnn, tabularMlp } from './explain-models.js';

beforeAll(async () => { expect(await tf.setBackend('wasm')).toBe(true); });
afterAll(() => { tf.disposeVariables(); });

const init = (seed: number) => tfl.initializers.glorotNormal({ seed });
const biasInit = (seed: number) => tfl.initializers.randomNormal({ stddev: 0.3, seed });

/** Conv without activation, relu conv into flatten (no pool), dropout, dense relu → dense linear. */
function mixedChain(): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [9, 9, 3], filters: 6, kernelSize: 3, padding: 'valid', kernelInitializer: init(1), biasInitializer: biasInit(2) }),
      tfl.layers.maxPooling2d({ poolSize: 3 }),
      tfl.layers.conv2d({ filters: 5, kernelSize: 2, padding: 'same', activation: 'relu', kernelInitializer: init(3), biasInitializer: biasInit(4) }),
      tfl.layers.flatten(),
      tfl.layers.dropout({ rate: 0.5 }),
      tfl.layers.dense({ units: 12, activation: 'relu', kernelInitializer: init(5), biasInitializer: biasInit(6) }),
      tfl.layers.dense({ units: 4, kernelInitializer: init(7) }),
    ],
  });
}

function reluMlp(): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [6], units: 10, activation: 'relu', kernelInitializer: init(8), biasInitializer: biasInit(9) }),
      tfl.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(10) }),
    ],
  });
}

function flatMlp(): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      tfl.layers.flatten({ inputShape: [6, 5, 2] }),
      tfl.layers.dense({ units: 16, activation: 'relu', kernelInitializer: init(11), biasInitializer: biasInit(12) }),
      tfl.layers.dense({ units: 5, activation: 'softmax', kernelInitializer: init(13) }),
    ],
  });
}

/** tfjs's Σ over the points of ∂ model(points)[:, c] / ∂ points, on the cpu backend. */
function reference(model: tfl.LayersModel, points: Float32Array, shape: number[], c: number): Float32Array {
  tf.setBackend('cpu');
  try {
    return tf.tidy(() => {
      const g = tf.grad((z: tf.Tensor) => tf.sum(tf.slice(model.apply(z, { training: false }) as tf.Tensor, [0, c], [-1, 1])))(tf.tensor(points, shape));
      return tf.sum(g, 0).dataSync() as Float32Array;
    });
  } finally {
    tf.setBackend('wasm');
  }
}

describe('hand-built gradients of recognized layer chains equal tfjs (cpu reference) on random inputs', () => {
  const cases: [string, () => tfl.LayersModel, number[]][] = [
    ['digits-like CNN (same convs, relu → 2×2 pools, softmax)', () => digitsLike(13, 3), [28, 28, 1]],
    ['small CNN (valid conv, pool, flatten, softmax)', () => smallCnn(8, 2, 3, 5), [8, 8, 2]],
    ['linear conv → 3×3 pool → relu conv → flatten → dropout → dense relu → dense linear', mixedChain, [9, 9, 3]],
    ['relu MLP with softmax output', reluMlp, [6]],
    ['image MLP: flatten first → dense relu → dense softmax', flatMlp, [6, 5, 2]],
  ];
  for (const [name, make, shape] of cases) {
    test(name, () => {
      const model = make();
      const steps = layerChain(model);
      expect(steps).toBeDefined();
      const classes = (model.outputs[0]!.shape[1] as number);
      const alpha = [0.05, 0.3, 0.55, 0.8, 0.95];
      for (const c of [0, classes - 1]) {
        tf.tidy(() => {
          const ends = tf.randomNormal([2, ...shape], 0, 1, 'float32', 20 + c);
          const [b, x] = tf.split(ends, 2);
          const points = tf.concat(alpha.map((a) => tf.add(tf.mul(b!, 1 - a), tf.mul(x!, a))));
          const ref = reference(model, points.dataSync() as Float32Array, points.shape, c);
          const mine = chainGradientSum(steps!, ends, alpha, c).dataSync();
          expect(mine.length).toBe(ref.length);
          let scale = 0, diff = 0;
          ref.forEach((v, i) => { scale = Math.max(scale, Math.abs(v)); diff = Math.max(diff, Math.abs(v - mine[i]!)); });
          expect(scale).toBeGreaterThan(1e-3);
          expect(diff).toBeLessThanOrEqual(1e-5 * Math.max(1, scale));
        });
      }
      model.dispose();
    });
  }
});

test('max pool on window-position blocks (grid-pool.ts) equals the spatial max pool and its gradient, ties included', () => {
  tf.tidy(() => {
    for (const [shape, size] of [[[3, 8, 12, 5], [2, 2]], [[2, 9, 6, 3], [3, 2]]] as [number[], [number, number]][]) {
      // Rounded values: many tied maxima (and all-equal windows) in every image.
      const x = tf.round(tf.mul(tf.randomUniform(shape, 0, 1, 'float32', shape[1]), 3)) as tf.Tensor4D;
      const grid = regroup(x, shape, size);
      expect(Array.from(regroup(grid, shape, size, true).dataSync())).toEqual(Array.from(x.dataSync()));
      const y = tf.maxPool(x, size, size, 'valid');
      const [n, oh, ow, c] = y.shape;
      const gy = gridMaxPool(grid);
      expect(Array.from(gy.dataSync())).toEqual(Array.from(y.dataSync()));
      const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 3) as tf.Tensor4D;
      const expected = maxPoolInputGrad(x, y, dy, ...size); // tested against tfjs in explain-fast-grads.test.ts
      const mine = regroup(gridMaxPoolGrad(grid, gy, tf.reshape(dy, [n, oh * ow * c])), shape, size, true);
      const diff = tf.max(tf.abs(tf.sub(mine, expected))).dataSync()[0]!;
      expect(diff).toBeLessThanOrEqual(1e-6);
    }
  });
});

describe('which models take the hand-built path', () => {
  test('layers outside the covered set fall back to the tape (and explain still works there)', async () => {
    const strided = tfl.sequential({ layers: [tfl.layers.conv2d({ inputShape: [8, 8, 1], filters: 2, kernelSize: 3, strides: 2, activation: 'relu' }), tfl.layers.flatten(), tfl.layers.dense({ units: 2 })] });
    const overlapping = tfl.sequential({ layers: [tfl.layers.maxPooling2d({ inputShape: [8, 8, 1], poolSize: 3, strides: 1 }), tfl.layers.flatten(), tfl.layers.dense({ units: 2 })] });
    const poolFirst = tfl.sequential({ layers: [tfl.layers.maxPooling2d({ inputShape: [8, 8, 1], poolSize: 2 }), tfl.layers.flatten(), tfl.layers.dense({ units: 2 })] });
    const softmaxInside = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [3], units: 4, activation: 'softmax' }), tfl.layers.dense({ units: 2 })] });
    const input = tfl.input({ shape: [4] });
    const functional = tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 2 }).apply(input) as tfl.SymbolicTensor });
    for (const m of [tabularMlp(4), strided, overlapping, poolFirst, softmaxInside, functional]) expect(layerChain(m)).toBeUndefined();
    expect(layerChain(digitsLike(3, 2))?.map((s) => s.kind)).toEqual(['conv', 'pool', 'conv', 'pool', 'flatten', 'dense']);
    const e = await explain(strided, Float32Array.from({ length: 64 }, (_, i) => (i % 7) / 7), { method: 'integrated-gradients', steps: 64 });
    expect(Math.abs(e.delta)).toBeLessThanOrEqual(0.01 * Math.max(1, Math.abs(e.score - e.baseScore)));
    for (const m of [strided, overlapping, poolFirst, softmaxInside, functional]) m.dispose();
  });

  test('explain on the hand-built path: the same attributions as tfjs on cpu, no tensor left behind', async () => {
    const model = digitsLike(17, 4);
    const pixels = Float32Array.from({ length: 784 }, (_, i) => ((i * 37) % 101) / 101);
    const onWasm = await explain(model, pixels, { steps: 16 });
    const before = tf.memory().numTensors;
    await explain(model, pixels, { steps: 16, batchSize: 5 }); // several batches
    expect(tf.memory().numTensors).toBe(before);
    await tf.setBackend('cpu');
    try {
      const onCpu = await explain(model, pixels, { steps: 16 });
      expect(onCpu.classIndex).toBe(onWasm.classIndex);
      let scale = 0, diff = 0;
      onCpu.attributions.forEach((v, i) => { scale = Math.max(scale, Math.abs(v)); diff = Math.max(diff, Math.abs(v - onWasm.attributions[i]!)); });
      expect(scale).toBeGreaterThan(1e-3);
      expect(diff).toBeLessThanOrEqual(1e-4 * scale);
    } finally {
      await tf.setBackend('wasm');
      model.dispose();
    }
  });
});
