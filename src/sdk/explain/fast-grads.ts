// tfjs-backend-wasm computes Conv2DBackpropInput with a naive loop, ~10x slower than its
// XNNPACK Conv2D; on the digits CNN it was 80% of an integrated-gradients pass. For stride-1,
// undilated NHWC convolutions the input gradient is itself a convolution: dy correlated with
// the spatially flipped, channel-transposed filter, padded by (k − 1 − forward padding).
// MaxPoolGrad is a naive loop too (see fast-max-pool.ts).
// tfjs reads a kernel's gradient from its registry when the forward op is recorded, so the
// faster gradient is registered only around one synchronous forward+backward call and
// tfjs's own is put back before anything else can run.
import * as tf from '@tensorflow/tfjs-core';
import { fastMaxPool } from './fast-max-pool.js';
import { foldedRelu, summedNodes } from './tape-marks.js';

const BACKENDS = new Set(['wasm']);

/**
 * Integrated gradients only uses the gradient w.r.t. its interpolation points summed over the
 * batch. The input gradient of a convolution or matmul that reads the points directly is
 * linear in dy with the same weights for every row, so it commutes with that sum: computed
 * once on Σ dy (batch 1 instead of 32) and padded with zero rows, the batch sum is exact while
 * single rows are not. Only for nodes markTape() found reading the points.
 */
function batchSummed(saved: object, x: tf.Tensor, dy: tf.Tensor, grad: (dy: tf.Tensor) => tf.Tensor): tf.Tensor {
  const rows = x.shape[0]!;
  if (rows < 2 || !summedNodes.has(saved)) return grad(dy);
  const one = grad(batchSum(dy));
  return tf.pad(one, [[0, rows - 1], ...one.shape.slice(1).map(() => [0, 0] as [number, number])]);
}

/** Σ of `dy` over axis 0, kept as a batch of 1. */
export function batchSum(dy: tf.Tensor): tf.Tensor {
  const rows = dy.shape[0]!;
  if (rows === 1) return dy;
  // Σ over rows as an average pool over an [n, 1] window of [1, n, 1, rest] (XNNPACK vectorises
  // over the `rest` channels; wasm's Sum over axis 0 transposes first): ~2x faster on 32 × 6272.
  const mean = tf.avgPool(tf.reshape(dy, [1, rows, 1, -1]) as tf.Tensor4D, [rows, 1], [rows, 1], 'valid');
  return tf.reshape(tf.mul(mean, rows), [1, ...dy.shape.slice(1)]);
}

/**
 * Input gradient of a stride-1, undilated NHWC convolution with `filter` ([fh, fw, in, out]) as a
 * convolution of dy; `pads` as convInputPads() gives them.
 */
export function convInputGrad(dy: tf.Tensor4D, filter: tf.Tensor4D, pads: tf.backend_util.ExplicitPadding): tf.Tensor4D {
  const inC = filter.shape[2];
  const f = flipFilter(filter);
  // XNNPACK vectorises over output channels: with 1–4 of them (an image's first layer) a
  // depthwise convolution per input channel, summed over the outputs, is several times faster.
  if (inC > 4) return tf.conv2d(dy, f, 1, pads) as tf.Tensor4D;
  const parts: tf.Tensor4D[] = Array.from({ length: inC }, (_, c) =>
    tf.sum(tf.depthwiseConv2d(dy, inC === 1 ? f : (tf.slice(f, [0, 0, 0, c], [-1, -1, -1, 1]) as tf.Tensor4D), 1, pads), 3, true) as tf.Tensor4D);
  return inC === 1 ? parts[0]! : tf.concat(parts, 3);
}

/**
 * The filter flipped in space with in/out channels swapped, [fh, fw, out, in], built in JS: wasm's
 * Reverse + Transpose took ~0.1 ms even on a 3×3×8×16 filter. Only called on wasm, where
 * dataSync is a copy out of the heap.
 */
function flipFilter(filter: tf.Tensor4D): tf.Tensor4D {
  const [fh, fw, inC, outC] = filter.shape;
  const src = filter.dataSync();
  const out = new Float32Array(src.length);
  for (let i = 0; i < fh; i++) {
    for (let j = 0; j < fw; j++) {
      const from = (i * fw + j) * inC * outC;
      const to = ((fh - 1 - i) * fw + (fw - 1 - j)) * inC * outC;
      for (let c = 0; c < inC; c++) for (let o = 0; o < outC; o++) out[to + o * inC + c] = src[from + c * outC + o]!;
    }
  }
  return tf.tensor4d(out, [fh, fw, outC, inC]);
}

/** Padding of the input-gradient convolution (k − 1 − forward padding per side), or undefined when one is negative. */
export function convInputPads(xShape: number[], filterShape: number[], pad: tf.Conv2DAttrs['pad'], dimRoundingMode?: 'floor' | 'round' | 'ceil'): tf.backend_util.ExplicitPadding | undefined {
  const { padInfo } = tf.backend_util.computeConv2DInfo(xShape as [number, number, number, number], filterShape as [number, number, number, number], 1, 1, pad, dimRoundingMode);
  const [fh, fw] = filterShape as [number, number];
  const pads: tf.backend_util.ExplicitPadding = [[0, 0], [fh - 1 - padInfo.top, fh - 1 - padInfo.bottom], [fw - 1 - padInfo.left, fw - 1 - padInfo.right], [0, 0]];
  return pads.some(([a, b]) => a < 0 || b < 0) ? undefined : pads;
}

function fastConv2D(original: tf.GradConfig): tf.GradConfig {
  return {
    ...original,
    gradFunc: (dy, saved, attrs) => {
      const base = original.gradFunc(dy, saved, attrs);
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const { strides, dilations, pad, dataFormat, dimRoundingMode } = attrs as unknown as tf.Conv2DAttrs;
      const ones = (v: number | [number, number]) => (Array.isArray(v) ? v.every((d) => d === 1) : v === 1);
      if (!ones(strides) || !ones(dilations) || dataFormat !== 'NHWC') return base;
      const pads = convInputPads(x.shape, filter.shape, pad, dimRoundingMode);
      if (!pads) return base;
      const inputGrad = (g: tf.Tensor) => convInputGrad(g as tf.Tensor4D, filter, pads);
      return { ...base, x: () => batchSummed(saved, x, dy as tf.Tensor, inputGrad) };
    },
  };
}

// wasm's BatchMatMul with transposeB takes a slow path (2.7x on the digits dense layer), and a
// freshly transposed weight is repacked by XNNPACK on every call: (b · dyᵀ)ᵀ keeps the weight
// as it is and transposes only the small dy and result (1.5 -> 0.6 ms on the digits dense layer).
/** dy · wᵀ computed as (w · dyᵀ)ᵀ (see above). */
export function denseInputGrad(dy: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  return tf.transpose(tf.matMul(w, tf.transpose(dy))) as tf.Tensor2D;
}

function fastMatMul(original: tf.GradConfig): tf.GradConfig {
  return {
    ...original,
    gradFunc: (dy, saved, attrs) => {
      const base = original.gradFunc(dy, saved, attrs);
      const [a, b] = saved as [tf.Tensor, tf.Tensor];
      const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
      if (transposeA || transposeB || b.rank !== 2 || (dy as tf.Tensor).rank !== 2) return base;
      return { ...base, a: () => batchSummed(saved, a, dy as tf.Tensor, (g) => denseInputGrad(g as tf.Tensor2D, b as tf.Tensor2D)) };
    },
  };
}

// After a MaxPool that folded this ReLU's mask into its own gradient, dy is already zero
// wherever the ReLU's output is 0, and elsewhere the ReLU passes dy unchanged.
function fastRelu(original: tf.GradConfig): tf.GradConfig {
  return { ...original, gradFunc: (dy, saved, attrs) => (foldedRelu.has(saved) ? { x: () => dy as tf.Tensor } : original.gradFunc(dy, saved, attrs)) };
}

/** Runs `f` (synchronous: forward and backward) with faster input gradients on backends that need them. */
export function withFastGradients<T>(f: () => T): T {
  if (!BACKENDS.has(tf.getBackend())) return f();
  const originals = [tf.getGradient('Conv2D'), tf.getGradient('MaxPool'), tf.getGradient('BatchMatMul'), tf.getGradient('Relu')];
  const [conv, pool, matmul, relu] = originals;
  if (conv) tf.registerGradient(fastConv2D(conv));
  if (pool) tf.registerGradient(fastMaxPool(pool));
  if (matmul) tf.registerGradient(fastMatMul(matmul));
  if (relu) tf.registerGradient(fastRelu(relu));
  try {
    return f();
  } finally {
    for (const g of originals) if (g) tf.registerGradient(g);
  }
}
