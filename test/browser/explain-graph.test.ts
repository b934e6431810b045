// Real Chromium, tfjs-core + converter only (no tfjs-layers, which registers gradients as a
// side effect): integrated gradients on a GraphModel still works — explain loads tfjs's own
// gradients on first use — and a graph whose ops have no gradient falls back to KernelSHAP.
// Direct only, by nature: it inspects the page's own tfjs gradient registry around explain() of
// an in-memory GraphModel; in worker mode that registry is the worker's (its explain runs in
// explain-telemetry.test.ts and test/unit/explain-sdk.test.ts).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { expect, test } from 'vitest';
import { explain } from '../../src/sdk/explain/index.js';
import { graphLinear } from '../unit/explain-graph-models.js';

test('a GraphModel gets integrated gradients without tfjs-layers on the page', async () => {
  await tf.setBackend('cpu');
  expect(tf.getGradient('Sum')).toBeFalsy(); // nothing on this page registered gradients yet
  const g = await graphLinear([[1, 0], [0, 1], [2, -1]], [0, 0.5]);
  const e = await explain(g, [1, 0.5, 0.3]);
  expect(e.method).toBe('integrated-gradients');
  expect(Math.abs(e.delta)).toBeLessThanOrEqual(0.01);
  expect(tf.getGradient('Sum')).toBeTruthy();
  const ng = await graphLinear([[1, 0], [0, 1], [2, -1]], [0, 0.5], { noGradient: true });
  const s = await explain(ng, [1, 0.5, 0.3], { background: [[0, 0, 0], [1, 1, 1]] });
  expect(s.method).toBe('kernel-shap');
  expect(Math.abs(s.delta)).toBeLessThan(1e-5);
  g.dispose();
  ng.dispose();
});
