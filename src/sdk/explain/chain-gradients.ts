// Integrated gradients' forward + backward pass for a recognized layer chain (layer-chain.ts),
// written out by hand instead of recorded on tfjs's gradient tape. Why: while taping, tfjs
// turns fused conv/matmul + bias + ReLU off (separate broadcast-add and ReLU passes), saves a
// copy of every tensor a gradient needs and runs ~10 µs of engine JS per recorded kernel. The
// forward here uses the fused kernels, and the backward needs only the saved activations:
// ~50 kernels instead of ~120 on the digits CNN. Gradients are tfjs's formulas:
//   softmax at the output   ∂y_c/∂z = y ⊙ (onehot_c − y_c)
//   ReLU                    dy ⊙ step(y), or folded into a following max pool (fast-max-pool.ts)
//   conv (stride 1) / dense the transposed operation on dy (fast-grads.ts)
// The points never exist: the first layer is linear in them (see firstLayer), and only the
// batch sum of its input gradient is used, so that is computed at batch 1.
import * as tf from '@tensorflow/tfjs-core';
import { batchSum, convInputGrad, convInputPads, denseInputGrad } from './fast-grads.js';
import { maxPoolInputGrad } from './fast-max-pool.js';
import { gridMaxPool, gridMaxPoolGrad, regroup } from './grid-pool.js';
import type { Step } from './layer-chain.js';

type Linear = Extract<Step, { kind: 'conv' | 'dense' }>;

/**
 * Σ over the points of ∂ out[:, classIndex] / ∂ point, as [1, ...input shape]. The points are
 * (1 − α)·baseline + α·x for each α; `ends` is [baseline; x] ([2, ...]). Call inside tf.tidy.
 */
export function chainGradientSum(steps: Step[], ends: tf.Tensor, alpha: number[], classIndex: number): tf.Tensor {
  const coeffs = tf.tensor2d(alpha.flatMap((a) => [1 - a, a]), [alpha.length, 2]);
  const first = steps[0] as Linear;
  const n = alpha.length;
  const { out, grid } = firstLayer(first, steps[1], ends, coeffs);
  // With a grid (grid-pool.ts), outs[0] is step 0's output regrouped by window position and outs[1] its pool.
  const outs = grid ? [out, tf.reshape(gridMaxPool(out), [n, ...grid.pooled])] : [out];
  for (const step of steps.slice(outs.length)) outs.push(forwardStep(step, outs[outs.length - 1]!));

  let dy = outputGrad(steps[steps.length - 1] as Linear, outs[outs.length - 1]!, classIndex); // w.r.t. the last pre-activation
  for (let i = steps.length - 1; i > (grid ? 1 : 0); i--) {
    const step = steps[i]!;
    const prev = steps[i - 1]!;
    const x = outs[i - 1]!;
    const reluBefore = 'activation' in prev && prev.activation === 'relu';
    if (step.kind === 'pool') {
      // The ReLU mask folded in at the pooled size (dy · step(y)): its own gradient is then the identity.
      const g = reluBefore ? tf.mul(dy, tf.step(outs[i]!)) : dy;
      dy = poolInputGrad(x as tf.Tensor4D, outs[i] as tf.Tensor4D, g as tf.Tensor4D, step.size);
      continue;
    }
    dy = inputGrad(step, dy, x.shape);
    if (reluBefore) dy = tf.mul(dy, tf.step(x));
  }
  const inputShape = [1, ...ends.shape.slice(1)];
  // The first layer's input gradient is linear in dy with the same weights for every point, so
  // it commutes with the batch sum: one row instead of n.
  if (!grid) return tf.reshape(inputGrad(first, batchSum(dy), inputShape), inputShape);
  const [, k, m] = out.shape as [number, number, number];
  const y = tf.reshape(outs[1]!, [n, m]) as tf.Tensor2D;
  const g = tf.reshape(first.activation === 'relu' ? tf.mul(dy, tf.step(outs[1]!)) : dy, [n, m]) as tf.Tensor2D;
  const summed = batchSum(tf.reshape(gridMaxPoolGrad(out, y, g), [n, k * m]));
  return inputGrad(first, regroup(summed, [1, ...grid.full], grid.size, true), inputShape);
}

/**
 * Step 0 at every point from the two ends: for a conv or dense L with bias β,
 * L((1 − α)·b + α·x) + β = (1 − α)·(L(b) + β) + α·(L(x) + β), so two rows go through L and
 * one [n, 2] × [2, rest] product (activation fused) gives all n rows.
 */
function firstLayer(step: Linear, next: Step | undefined, ends: tf.Tensor, coeffs: tf.Tensor2D): { out: tf.Tensor; grid?: Grid } {
  const z = forwardStep({ ...step, activation: 'linear' }, ends);
  const [, ...rest] = z.shape;
  const grid = next?.kind === 'pool' ? gridOf(rest, next.size) : undefined;
  const rows = grid ? regroup(z, z.shape, grid.size) : z;
  const out = tf.reshape(tf.fused.matMul({ a: coeffs, b: tf.reshape(rows, [2, -1]), activation: step.activation === 'relu' ? 'relu' : 'linear' }), [coeffs.shape[0], ...rows.shape.slice(1)]);
  return { out: step.activation === 'softmax' ? tf.softmax(out) : out, grid };
}

interface Grid { size: [number, number]; full: number[]; pooled: number[] }

/** A pool whose windows tile step 0's output ([h, w, c]) exactly can run on the regrouped rows. */
function gridOf(shape: number[], size: [number, number]): Grid | undefined {
  const [h, w, c] = shape as [number, number, number];
  if (shape.length !== 3 || h % size[0] || w % size[1]) return undefined;
  return { size, full: shape, pooled: [h / size[0], w / size[1], c] };
}

/** Max-pool input gradient; rows and columns past the last whole window (a 'valid' pool skips them) get none. */
function poolInputGrad(x: tf.Tensor4D, y: tf.Tensor4D, dy: tf.Tensor4D, [ph, pw]: [number, number]): tf.Tensor {
  const [n, h, w, c] = x.shape;
  const [th, tw] = [h - (h % ph), w - (w % pw)];
  if (th === h && tw === w) return maxPoolInputGrad(x, y, dy, ph, pw);
  const dx = maxPoolInputGrad(tf.slice(x, 0, [n, th, tw, c]), y, dy, ph, pw);
  return tf.pad(dx, [[0, 0], [0, h - th], [0, w - tw], [0, 0]]);
}

/** The model's output for a batch, [rows, outputs]. */
export function chainForward(steps: Step[], x: tf.Tensor): tf.Tensor2D {
  return steps.reduce((h, step) => forwardStep(step, h), x) as tf.Tensor2D;
}

function forwardStep(step: Step, x: tf.Tensor): tf.Tensor {
  switch (step.kind) {
    case 'conv':
      return tf.fused.conv2d({ x: x as tf.Tensor4D, filter: step.filter, strides: 1, pad: step.pad, bias: step.bias, activation: step.activation === 'relu' ? 'relu' : 'linear' });
    case 'dense': {
      const z = tf.fused.matMul({ a: tf.reshape(x, [x.shape[0]!, -1]) as tf.Tensor2D, b: step.kernel, bias: step.bias, activation: step.activation === 'relu' ? 'relu' : 'linear' });
      return step.activation === 'softmax' ? tf.softmax(z) : z;
    }
    case 'pool':
      return tf.maxPool(x as tf.Tensor4D, step.size, step.size, 'valid');
    case 'flatten':
      return tf.reshape(x, [x.shape[0]!, -1]);
  }
}

/** Gradient of Σ_rows y[:, c] w.r.t. the output layer's pre-activation (y: its output, [n, k]). */
function outputGrad(step: Linear, y: tf.Tensor, c: number): tf.Tensor {
  const [n, k] = y.shape as [number, number];
  const onehot = tf.buffer([1, k]);
  onehot.set(1, 0, c);
  const e = onehot.toTensor();
  if (step.activation === 'softmax') return tf.mul(tf.sub(e, tf.slice(y, [0, c], [n, 1])), y);
  const dy = tf.tile(e, [n, 1]);
  return step.activation === 'relu' ? tf.mul(dy, tf.step(y)) : dy;
}

/** Gradient w.r.t. a step's input (shape xShape) from the gradient w.r.t. its pre-activation (pool excluded). */
function inputGrad(step: Exclude<Step, { kind: 'pool' }>, dy: tf.Tensor, xShape: number[]): tf.Tensor {
  switch (step.kind) {
    case 'conv': {
      const pads = convInputPads(xShape, step.filter.shape, step.pad);
      return pads
        ? convInputGrad(dy as tf.Tensor4D, step.filter, pads)
        : tf.conv2dTranspose(dy as tf.Tensor4D, step.filter, xShape as [number, number, number, number], 1, step.pad);
    }
    case 'dense':
      return denseInputGrad(dy as tf.Tensor2D, step.kernel);
    case 'flatten':
      return tf.reshape(dy, xShape);
  }
}
