// KernelSHAP known answers: exact on linear models (φ_i = w_i·(x_i − E[x_i])), close to
// exact enumeration on a nonlinear model, model-agnostic on a graph model without gradients.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, test } from 'vitest';
import { backgroundFromBaseline, binMidpoints, exactShapley, explain, toBackground } from '../../src/sdk/explain/index.js';
import { binomial, rng, shapleyCoalitions } from '../../src/sdk/explain/coalitions.js';
import { solveShapley } from '../../src/sdk/explain/wls.js';
import type { Baseline } from '../../src/protocol/manifest-types.js';
import { graphLinear, linearModel, smallCnn, tabularMlp } from './explain-models.js';

const rows = (n: number, d: number, seed: number) => {
  const r = rng(seed);
  return Array.from({ length: n }, () => Array.from({ length: d }, () => r() * 4 - 2));
};
const mean = (rs: number[][], i: number) => rs.reduce((a, r) => a + r[i], 0) / rs.length;

beforeAll(async () => { await tf.setBackend('cpu'); });

describe('coalition design and solver (no model)', () => {
  // A random cooperative game with interactions; brute-force Shapley is the reference.
  const M = 7;
  const r = rng(11);
  const table = Float64Array.from({ length: 2 ** M }, () => r());
  const exact = new Float64Array(M);
  for (let bits = 0; bits < 2 ** M; bits++) {
    let s = 0;
    for (let j = 0; j < M; j++) s += (bits >> j) & 1;
    for (let i = 0; i < M; i++) if (!((bits >> i) & 1)) exact[i] += (table[bits | (1 << i)] - table[bits]) / (M * binomial(M - 1, s));
  }
  const payoffsOf = (c: ReturnType<typeof shapleyCoalitions>) => Float64Array.from({ length: c.count }, (_, i) => {
    let bits = 0;
    for (let j = 0; j < M; j++) bits |= c.masks[i * M + j] << j;
    return table[bits];
  });

  test('enumerating every coalition reproduces the Shapley values of an arbitrary game', () => {
    const c = shapleyCoalitions(M, 1000, rng(1));
    expect(c.exact).toBe(true);
    expect(c.count).toBe(2 ** M - 2);
    const phi = solveShapley(c, payoffsOf(c), table[0], table[2 ** M - 1] - table[0]);
    for (let i = 0; i < M; i++) expect(phi[i]).toBeCloseTo(exact[i], 9);
  });

  test('a sampled design keeps efficiency exactly and spends the budget', () => {
    const c = shapleyCoalitions(M, 60, rng(2));
    expect(c.exact).toBe(false);
    expect(c.count).toBe(60);
    const phi = solveShapley(c, payoffsOf(c), table[0], table[2 ** M - 1] - table[0]);
    expect(phi.reduce((a, b) => a + b, 0)).toBeCloseTo(table[2 ** M - 1] - table[0], 9);
  });
});

describe('KernelSHAP on models', () => {
  test('linear model, every coalition: φ_i = w_i·(x_i − mean_bg(x_i))', async () => {
    const w = [0.5, -1.5, 2, 0.25, -0.75, 1];
    const model = linearModel(w, 0.3);
    const bg = rows(20, 6, 3);
    const x = [1, 0.5, -1, 2, 0.1, -0.4];
    const e = await explain(model, x, { method: 'kernel-shap', background: bg });
    expect(e.method).toBe('kernel-shap');
    w.forEach((wi, i) => expect(e.attributions[i]).toBeCloseTo(wi * (x[i] - mean(bg, i)), 4));
    expect(Math.abs(e.delta)).toBeLessThan(1e-5);
  });

  test('linear model, sampled coalitions (14 features, 2^14 − 2 > budget): still w_i·(x_i − E[x_i])', async () => {
    const w = Array.from({ length: 14 }, (_, i) => (i % 3) - 1 + i / 10);
    const bg = rows(8, 14, 5);
    const x = rows(1, 14, 9)[0];
    const e = await explain(linearModel(w), x, { method: 'kernel-shap', background: bg, samples: 300 });
    w.forEach((wi, i) => expect(Math.abs(e.attributions[i] - wi * (x[i] - mean(bg, i)))).toBeLessThan(1e-3));
  });

  test('nonlinear model: sampled estimate within 0.02 of exact enumeration; default budget is exact', async () => {
    const model = tabularMlp(10);
    const bg = rows(6, 10, 21);
    const x = rows(1, 10, 22)[0];
    const xt = tf.tensor2d([x]);
    const e = await explain(model, xt, { method: 'kernel-shap', background: bg });
    const ref = await exactShapley(model, xt, toBackground(bg, undefined, 10, 1)!, e.classIndex);
    xt.dispose();
    ref.forEach((v, i) => expect(e.attributions[i]).toBeCloseTo(v, 5));
    const sampled = await explain(model, x, { method: 'kernel-shap', background: bg, samples: 200, classIndex: e.classIndex });
    const err = Math.max(...Array.from(ref, (v, i) => Math.abs(v - sampled.attributions[i])));
    expect(err).toBeLessThan(0.02);
    expect(err).toBeGreaterThan(0); // 200 of 1022 coalitions: an estimate, not the enumeration
  });

  test('background from a manifest baseline: E[x_i] is the expected-share-weighted bin midpoint', async () => {
    const baseline: Baseline = {
      sampleCount: 1000,
      features: [
        { name: 'a', index: 0, edges: [0, 1, 2, 3], expected: [0.1, 0.2, 0.4, 0.2, 0.1] },
        { name: 'b', index: 1, edges: [-1, 1], expected: [0.25, 0.5, 0.25] },
        { name: 'c', index: 2, edges: [10, 20, 30], expected: [0, 0.5, 0.5, 0] },
      ],
      prediction: { labels: ['y'], expected: [1] },
    };
    const w = [1, -2, 0.5];
    const x = [2.7, 0.2, 12];
    const e = await explain(linearModel(w), x, { method: 'kernel-shap', background: baseline, features: ['a', 'b', 'c'] });
    baseline.features.forEach((f, i) => {
      const mids = binMidpoints(f.edges);
      const expectedMean = f.expected.reduce((a, p, k) => a + p * mids[k], 0);
      // 32 stratified rows quantise each marginal to 1/32: that is the sampling error allowed.
      const tol = Math.abs(w[i]) * (Math.max(...mids) - Math.min(...mids)) / 32;
      expect(Math.abs(e.attributions[i] - w[i] * (x[i] - expectedMean))).toBeLessThanOrEqual(tol + 1e-6);
    });
    expect(e.features?.map((f) => f.name)).toEqual(['a', 'b', 'c']);
    expect(e.features?.[0].input).toBeCloseTo(2.7, 6);
    const bg = backgroundFromBaseline(baseline, 3);
    expect(bg.rows).toHaveLength(32);
  });

  test('graph model whose ops have no gradient: auto falls back to KernelSHAP', async () => {
    const g = await graphLinear([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, -1, 0.5]], [0.1, 0, -0.1], { noGradient: true });
    const before = tf.memory().numTensors;
    const e = await explain(g, [0.5, 1, 2, 0.1], { background: rows(10, 4, 4), labels: ['p', 'q', 'r'] });
    expect(tf.memory().numTensors).toBe(before);
    expect(e.method).toBe('kernel-shap');
    expect(e.label).toBe(['p', 'q', 'r'][e.classIndex]);
    expect(Math.abs(e.delta)).toBeLessThan(1e-5);
    await expect(explain(g, [0.5, 1, 2, 0.1], { method: 'integrated-gradients' })).rejects.toMatchObject({ code: 'INPUT_INVALID', message: expect.stringMatching(/Cumprod/) });
    expect(tf.memory().numTensors).toBe(before);
    g.dispose();
  });

  test('images: patches are the players, the saliency map is H×W in [0, 1], no tensor leaks', async () => {
    const model = smallCnn(8);
    const x = tf.randomUniform([8, 8, 1], 0, 1, 'float32', 5);
    const before = tf.memory().numTensors;
    const e = await explain(model, x, { method: 'kernel-shap', patch: 2 });
    expect(tf.memory().numTensors).toBe(before);
    expect(e.attributions).toHaveLength(64);
    expect(e.attributions[0]).toBeCloseTo(e.attributions[9], 6); // pixels (0,0) and (1,1) share a patch
    expect(e.saliency?.height).toBe(8);
    expect(Math.max(...e.saliency!.data)).toBeCloseTo(1, 6);
    expect(Math.abs(e.delta)).toBeLessThan(1e-5);
    x.dispose();
  });

  test('bad input gets a clear error with a code', async () => {
    const model = linearModel([1, 2]);
    await expect(explain(model, [1, 2], { method: 'kernel-shap' })).rejects.toMatchObject({ code: 'INPUT_INVALID', message: expect.stringMatching(/background/) });
    await expect(explain(model, tf.zeros([2, 2]))).rejects.toMatchObject({ code: 'INPUT_SHAPE' });
    await expect(explain(model, [1, 2], { classIndex: 3 })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await expect(explain(model, [1, 2], { background: [[1, 2, 3]] })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await expect(explain(model, [1, 2, 3])).rejects.toMatchObject({ code: 'INPUT_SHAPE' });
  });
});
