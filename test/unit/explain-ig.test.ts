// Integrated gradients: exact on linear models, complete on nonlinear ones (Σ attributions ≈
// f(x) − f(baseline)), batched steps equal unbatched, and no tensor outlives the call.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, test } from 'vitest';
import { explain } from '../../src/sdk/explain/index.js';
import { graphLinear, linearModel, smallCnn, tabularMlp } from './explain-models.js';

beforeAll(async () => { await tf.setBackend('cpu'); });

/** Stated tolerance: with the default 32 midpoint steps, |Σ attributions − (f(x) − f(x'))| <= 0.01 (score units). */
const COMPLETENESS_TOL = 0.01;

describe('integrated gradients', () => {
  test('linear model: attribution_i = w_i·(x_i − baseline_i) exactly', async () => {
    const w = [0.5, -1.5, 2, 0.25];
    const x = [1, 2, -1, 4];
    const base = [0.5, 0, 1, 1];
    const e = await explain(linearModel(w, 1), x, { baseline: base, features: ['a', 'b', 'c', 'd'] });
    expect(e.method).toBe('integrated-gradients');
    w.forEach((wi, i) => expect(e.attributions[i]).toBeCloseTo(wi * (x[i] - base[i]), 5));
    expect(e.features?.map((f) => [f.name, f.value])).toEqual(w.map((wi, i) => [['a', 'b', 'c', 'd'][i], e.attributions[i]]));
  });

  test('tabular default baseline is the background mean, so IG agrees with SHAP on a linear model', async () => {
    const model = linearModel([1, -2, 3]);
    const background = [[0, 0, 0], [2, 1, -1], [1, 2, 4]];
    const x = [3, -1, 2];
    const ig = await explain(model, x, { background });
    const shap = await explain(model, x, { background, method: 'kernel-shap' });
    ig.attributions.forEach((a, i) => expect(a).toBeCloseTo(shap.attributions[i], 4));
    expect(ig.baseScore).toBeCloseTo(shap.baseScore, 4);
  });

  test(`completeness on a 28×28 CNN and a tanh MLP: |delta| <= ${COMPLETENESS_TOL}`, async () => {
    const cnn = smallCnn(28, 1, 10);
    const img = tf.randomUniform([28, 28, 1], 0, 1, 'float32', 8);
    const e = await explain(cnn, img, { labels: Array.from({ length: 10 }, (_, i) => String(i)) });
    const sum = e.attributions.reduce((a, b) => a + b, 0);
    expect(Math.abs(sum - (e.score - e.baseScore))).toBeLessThanOrEqual(COMPLETENESS_TOL);
    expect(e.delta).toBeCloseTo(e.score - e.baseScore - sum, 6);
    expect(e.label).toBe(String(e.classIndex));
    expect(e.score - e.baseScore).not.toBeCloseTo(0, 2); // a test of something: the score moved
    expect(e.saliency).toMatchObject({ height: 28, width: 28 });
    expect(Math.max(...e.saliency!.data)).toBeCloseTo(1, 6);
    expect(Math.min(...e.saliency!.data)).toBeGreaterThanOrEqual(0);
    img.dispose();

    const mlp = tabularMlp(6);
    const t = await explain(mlp, [3, -2, 1, 0.5, -4, 2], { baseline: 0 });
    expect(Math.abs(t.delta)).toBeLessThanOrEqual(COMPLETENESS_TOL);
    // More steps shrink the integration error.
    const fine = await explain(mlp, [3, -2, 1, 0.5, -4, 2], { baseline: 0, steps: 256, classIndex: t.classIndex });
    expect(Math.abs(fine.delta)).toBeLessThanOrEqual(Math.abs(t.delta) + 1e-6);
  });

  test('steps in chunks (batchSize 5) give the same attributions as one batch', async () => {
    const model = smallCnn(8);
    const x = tf.randomUniform([1, 8, 8, 1], 0, 1, 'float32', 2);
    const one = await explain(model, x, { steps: 32 });
    const chunked = await explain(model, x, { steps: 32, batchSize: 5 });
    one.attributions.forEach((a, i) => expect(chunked.attributions[i]).toBeCloseTo(a, 5));
    x.dispose();
  });

  test('graph models with differentiable ops get integrated gradients', async () => {
    const g = await graphLinear([[1, 0], [0, 1], [2, -1]], [0, 0.5]);
    const e = await explain(g, [1, 0.5, 0.3]);
    expect(e.method).toBe('integrated-gradients');
    expect(Math.abs(e.delta)).toBeLessThanOrEqual(COMPLETENESS_TOL);
    g.dispose();
  });

  test('tensor-leak free, including failures', async () => {
    const model = smallCnn(8);
    const x = tf.randomUniform([8, 8, 1], 0, 1, 'float32', 3);
    const half = tf.fill(x.shape, 0.5);
    const before = tf.memory().numTensors;
    await explain(model, x); // the first call also probes the model's gradients
    await explain(model, x, { baseline: half, steps: 10, batchSize: 3 });
    await expect(explain(model, x, { steps: 0 })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await expect(explain(model, x, { baseline: [1, 2] })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    expect(tf.memory().numTensors).toBe(before);
    expect(half.isDisposed).toBe(false); // the caller's baseline stays the caller's
    tf.dispose([x, half]);
  });
});

test('Node with tfjs-core + converter only (no gradients registered): a GraphModel still gets integrated gradients', async () => {
  // A fresh process: this test file imports tfjs-layers, which registers gradients itself.
  const { execFile } = await import('node:child_process');
  const { mkdir, writeFile } = await import('node:fs/promises');
  const { promisify } = await import('node:util');
  await mkdir('.tmp', { recursive: true });
  await writeFile('.tmp/explain-core-only.ts', `
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { explain } from '../src/sdk/explain/index.js';
import { graphLinear } from '../test/unit/explain-graph-models.js';
await tf.setBackend('cpu');
const before = Boolean(tf.getGradient('Sum'));
const e = await explain(await graphLinear([[1, 0], [0, 1], [2, -1]], [0, 0.5]), [1, 0.5, 0.3]);
console.log(JSON.stringify({ before, method: e.method, delta: e.delta }));
`);
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '.tmp/explain-core-only.ts']);
  const r = JSON.parse(stdout.trim().split('\n').pop()!);
  expect(r.before).toBe(false);
  expect(r.method).toBe('integrated-gradients');
  expect(Math.abs(r.delta)).toBeLessThanOrEqual(COMPLETENESS_TOL);
});
