// A max pool right after the first layer, in "window-position-major" layout. With the first
// layer computed from two rows (chain-gradients.ts firstLayer), those two rows can be
// reordered in JS for almost nothing: position k = (dy, dx) of each ph×pw window becomes its
// own block, [rows, k, H/ph · W/pw · C]. Then:
//   pool      = max over the k blocks: a [k, 1] max pool with H/ph·W/pw·C channels
//   y − x     = broadcast over the blocks (no nearest-neighbour spread: on wasm the two
//               ResizeNearestNeighbor spreads of fast-max-pool.ts were ~40% of that gradient)
// and only the batch sum of the input gradient leaves in that layout, at batch 1, reordered
// back in JS. Same tie rule as fast-max-pool.ts: tied maxima share the window's gradient.
import * as tf from '@tensorflow/tfjs-core';

/** [rows, H, W, C] → [rows, ph·pw, H/ph · W/pw · C] (block k = dy·pw + dx); `back` inverts it. H, W multiples of ph, pw. */
export function regroup(t: tf.Tensor, [rows, h, w, c]: number[], [ph, pw]: [number, number], back = false): tf.Tensor {
  const src = t.dataSync() as Float32Array; // wasm: a copy out of the heap, no device sync
  const out = new Float32Array(src.length);
  const [oh, ow] = [h / ph, w / pw];
  const block = oh * ow * c;
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const spatial = ((r * h + i) * w + j) * c;
        const grid = r * ph * pw * block + ((i % ph) * pw + (j % pw)) * block + (((i / ph) | 0) * ow + ((j / pw) | 0)) * c;
        if (back) out.set(src.subarray(grid, grid + c), spatial);
        else out.set(src.subarray(spatial, spatial + c), grid);
      }
    }
  }
  return back ? tf.tensor(out, [rows, h, w, c]) : tf.tensor(out, [rows, ph * pw, block]);
}

/** Max over the window positions: a [rows, k, m] → [rows, m] pool. */
export function gridMaxPool(a: tf.Tensor): tf.Tensor2D {
  const [n, k, m] = a.shape as [number, number, number];
  return tf.reshape(tf.maxPool(tf.reshape(a, [n, k, 1, m]) as tf.Tensor4D, [k, 1], [k, 1], 'valid'), [n, m]);
}

/** Gradient w.r.t. a ([rows, k, m]) of y = gridMaxPool(a), given dy ([rows, m]); ties share. */
export function gridMaxPoolGrad(a: tf.Tensor, y: tf.Tensor2D, dy: tf.Tensor2D): tf.Tensor {
  const [n, k, m] = a.shape as [number, number, number];
  const notMax = tf.step(tf.sub(tf.reshape(y, [n, 1, m]), a)); // y − a is exactly 0 only at a maximum
  const count = tf.sub(k, tf.mul(tf.avgPool(tf.reshape(notMax, [n, k, 1, m]) as tf.Tensor4D, [k, 1], [k, 1], 'valid'), k));
  const share = tf.reshape(tf.div(dy, tf.reshape(count, [n, m])), [n, 1, m]);
  return tf.sub(share, tf.mul(share, notMax));
}
