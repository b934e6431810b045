// tfjs-backend-wasm computes Conv2DBackpropInput with a naive loop, ~10x slower than its
// XNNPACK Conv2D; on the digits CNN it is 80% of an integrated-gradients pass. For stride-1,
// undilated NHWC convolutions the input gradient is itself a convolution: dy correlated with
// the spatially flipped, channel-transposed filter, padded by (k − 1 − forward padding).
// MaxPoolGrad is a naive loop too; for non-overlapping 'valid' windows that tile the input,
// the gradient is dy spread over its window, masked where x equals the window's maximum
// (tied maxima share it equally; tfjs gives it to one — both are subgradients, and after a
// ReLU the tied zeros get no gradient either way).
// tfjs reads a kernel's gradient from its registry when the forward op is recorded, so the
// faster gradient is registered only around one synchronous forward+backward call and
// tfjs's own is put back before anything else can run.
import * as tf from '@tensorflow/tfjs-core';

const BACKENDS = new Set(['wasm']);

function fastConv2D(original: tf.GradConfig): tf.GradConfig {
  return {
    ...original,
    gradFunc: (dy, saved, attrs) => {
      const base = original.gradFunc(dy, saved, attrs);
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const { strides, dilations, pad, dataFormat, dimRoundingMode } = attrs as unknown as tf.Conv2DAttrs;
      const ones = (v: number | [number, number]) => (Array.isArray(v) ? v.every((d) => d === 1) : v === 1);
      if (!ones(strides) || !ones(dilations) || dataFormat !== 'NHWC') return base;
      const { padInfo } = tf.backend_util.computeConv2DInfo(x.shape, filter.shape, 1, 1, pad, dimRoundingMode);
      const [fh, fw] = filter.shape;
      const pads: tf.backend_util.ExplicitPadding = [[0, 0], [fh - 1 - padInfo.top, fh - 1 - padInfo.bottom], [fw - 1 - padInfo.left, fw - 1 - padInfo.right], [0, 0]];
      if (pads.some(([a, b]) => a < 0 || b < 0)) return base;
      const flipped = () => tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]); // [fh, fw, out, in]
      const inC = filter.shape[2];
      // XNNPACK vectorises over output channels: with 1–4 of them (an image's first layer) a
      // depthwise convolution per input channel, summed over the outputs, is several times faster.
      if (inC <= 4) {
        return {
          ...base,
          x: () => {
            const f = flipped();
            const parts = Array.from({ length: inC }, (_, c) =>
              tf.sum(tf.depthwiseConv2d(dy as tf.Tensor4D, tf.slice(f, [0, 0, 0, c], [-1, -1, -1, 1]) as tf.Tensor4D, 1, pads), 3, true));
            return inC === 1 ? parts[0]! : tf.concat(parts, 3);
          },
        };
      }
      return { ...base, x: () => tf.conv2d(dy as tf.Tensor4D, flipped() as tf.Tensor4D, 1, pads) };
    },
  };
}

function fastMaxPool(original: tf.GradConfig): tf.GradConfig {
  return {
    ...original,
    gradFunc: (dy, saved, attrs) => {
      const base = original.gradFunc(dy, saved, attrs);
      const [x, y] = saved as [tf.Tensor4D, tf.Tensor4D];
      const { filterSize, strides, pad } = attrs as unknown as tf.MaxPoolAttrs;
      const pair = (v: number | [number, number]) => (Array.isArray(v) ? v : [v, v]);
      const [ph, pw] = pair(filterSize);
      const [sh, sw] = pair(strides);
      const [, h, w] = x.shape;
      if (ph !== sh || pw !== sw || pad !== 'valid' || h % ph || w % pw) return base;
      // Nearest-neighbour resize by an integer factor repeats each window's value over it (wasm's Tile is slow).
      const spread = (t: tf.Tensor) => tf.image.resizeNearestNeighbor(t as tf.Tensor4D, [h, w]);
      return {
        x: () => {
          const mask = tf.cast(tf.equal(x, spread(y)), 'float32');
          // Tied maxima split the window's gradient (a valid subgradient); without this a tie
          // would pass the full gradient to each of them.
          const count = spread(tf.mul(tf.avgPool(mask as tf.Tensor4D, [ph, pw], [sh, sw], 'valid'), ph * pw));
          return tf.div(tf.mul(spread(dy as tf.Tensor), mask), count);
        },
      };
    },
  };
}

// wasm's BatchMatMul with transposeB takes a slow path (2.7x on the digits dense layer);
// transposing the weight first is cheap.
function fastMatMul(original: tf.GradConfig): tf.GradConfig {
  return {
    ...original,
    gradFunc: (dy, saved, attrs) => {
      const base = original.gradFunc(dy, saved, attrs);
      const [, b] = saved as [tf.Tensor, tf.Tensor];
      const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
      if (transposeA || transposeB || b.rank !== 2 || (dy as tf.Tensor).rank !== 2) return base;
      return { ...base, a: () => tf.matMul(dy as tf.Tensor2D, tf.transpose(b as tf.Tensor2D)) };
    },
  };
}

/** Runs `f` (synchronous: forward and backward) with the faster conv input gradient on backends that need it. */
export function withFastGradients<T>(f: () => T): T {
  if (!BACKENDS.has(tf.getBackend())) return f();
  const originals = [tf.getGradient('Conv2D'), tf.getGradient('MaxPool'), tf.getGradient('BatchMatMul')];
  const [conv, pool, matmul] = originals;
  if (conv) tf.registerGradient(fastConv2D(conv));
  if (pool) tf.registerGradient(fastMaxPool(pool));
  if (matmul) tf.registerGradient(fastMatMul(matmul));
  try {
    return f();
  } finally {
    for (const g of originals) if (g) tf.registerGradient(g);
  }
}
