// MaxPool's input gradient from ops that are native and vectorised on wasm (its MaxPoolGrad
// kernel is a naive loop, and Equal/Cast/Tile are slow there). For non-overlapping 'valid'
// windows that tile the input:
//   mask = 1 − step(spread(y) − x)   1 where x is its window's maximum: y − x is exactly 0
//                                     there and > 0 elsewhere (IEEE subtraction of a < b is
//                                     never 0), so no Equal/Cast is needed
//   dx   = spread(dy / count) · mask  count = maxima in the window (4·avgPool(mask))
// where spread repeats each window's value over it (nearest-neighbour resize by an integer
// factor). Tie rule: tied maxima share the window's gradient equally. tfjs gives all of it to
// the first maximum in scan order; both are subgradients, the sum over a window is the same,
// and after a ReLU the usual tie (all zeros) gets no gradient either way.
// After a ReLU that only this pool reads (x ≥ 0), the ReLU's mask is folded in at the pooled
// size: dy · step(y) leaves exactly the windows whose maximum is > 0, so dx is already zero
// wherever the ReLU output is 0 and the ReLU's own gradient (step + multiply over the full
// tensor) becomes the identity (fast-grads.ts fastRelu).
import * as tf from '@tensorflow/tfjs-core';
import { foldedRelu, reluUnderPool } from './tape-marks.js';

export function fastMaxPool(original: tf.GradConfig): tf.GradConfig {
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
      const relu = reluUnderPool.get(saved);
      if (relu) foldedRelu.add(relu);
      return { x: () => maxPoolInputGrad(x, y, relu ? (tf.mul(dy as tf.Tensor, tf.step(y)) as tf.Tensor4D) : (dy as tf.Tensor4D), ph, pw) };
    },
  };
}

/** dx of y = maxPool(x, [ph, pw], stride = window, 'valid') for windows that tile x. */
export function maxPoolInputGrad(x: tf.Tensor4D, y: tf.Tensor4D, dy: tf.Tensor4D, ph: number, pw: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  const spread = (t: tf.Tensor4D) => tf.image.resizeNearestNeighbor(t, [h, w]);
  const notMax = tf.step(tf.sub(spread(y), x)) as tf.Tensor4D; // 1 − mask
  const count = tf.sub(ph * pw, tf.mul(tf.avgPool(notMax, [ph, pw], [ph, pw], 'valid'), ph * pw)); // window size − non-maxima
  const share = spread(tf.div(dy, count) as tf.Tensor4D);
  return tf.sub(share, tf.mul(share, notMax)); // share · mask, one full-size op fewer than forming the mask
}
