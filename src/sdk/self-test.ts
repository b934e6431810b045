// Known-answer test run once per backend before any model trusts it: a small matmul and a
// conv2d, compared with a plain-JS reference. A backend that computes wrong numbers (broken
// driver, bad float16 emulation) is skipped with the reason.
//
// Tolerance: |got - want| <= 1e-3 * (1 + |want|). Inputs are multiples of 1/4 with small
// magnitudes, so a float32 backend is exact or off by a few ULPs; WebGL on devices without
// float32 render targets computes in float16 (about 1e-3 relative), which still passes.
import * as tf from '@tensorflow/tfjs-core';

export const SELF_TEST_TOLERANCE = 1e-3;

const seq = (n: number, mul: number) => Float32Array.from({ length: n }, (_, i) => (((i * mul) % 11) - 5) / 4);

/**
 * NHWC input [1,h,w,c], HWIO filter [k,k,c,o] (k odd), stride 1, 'same' padding. With k = 1
 * and w = 1 it is the matmul [h,c]·[c,o].
 */
function convRef(x: Float32Array, f: Float32Array, h: number, w: number, c: number, o: number, k: number): Float32Array {
  const out = new Float32Array(h * w * o), r = k >> 1;
  for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) for (let oc = 0; oc < o; oc++) {
    let s = 0;
    for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) {
      const iy = y + dy, ix = xx + dx;
      if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
      for (let ic = 0; ic < c; ic++) s += x[(iy * w + ix) * c + ic]! * f[(((dy + r) * k + (dx + r)) * c + ic) * o + oc]!;
    }
    out[(y * w + xx) * o + oc] = s;
  }
  return out;
}

function firstMismatch(got: ArrayLike<number>, want: Float32Array): string | null {
  if (got.length !== want.length) return `length ${got.length}, expected ${want.length}`;
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i]! - want[i]!) <= SELF_TEST_TOLERANCE * (1 + Math.abs(want[i]!)))) {
      return `element ${i} is ${got[i]}, expected ${want[i]}`;
    }
  }
  return null;
}

/**
 * Runs on the engine's current backend. Resolves null when it computes right, else the reason.
 * `corrupt` is a test hook: it perturbs the backend's answer the way a faulty driver would.
 */
export async function selfTest(corrupt = false): Promise<string | null> {
  const a = seq(4 * 3, 7), b = seq(3 * 5, 5);
  const x = seq(5 * 5 * 2, 3), f = seq(3 * 3 * 2 * 3, 2);
  const [mm, conv] = tf.tidy(() => [
    tf.matMul(tf.tensor2d(a, [4, 3]), tf.tensor2d(b, [3, 5])),
    tf.conv2d(tf.tensor4d(x, [1, 5, 5, 2]), tf.tensor4d(f, [3, 3, 2, 3]), 1, 'same'),
  ]);
  try {
    const [mmGot, convGot] = await Promise.all([mm!.data(), conv!.data()]);
    if (corrupt) (mmGot as Float32Array)[0]! += 0.5;
    const mmBad = firstMismatch(mmGot as Float32Array, convRef(a, b, 4, 1, 3, 5, 1));
    if (mmBad) return `self-test matmul 4x3·3x5 wrong: ${mmBad}`;
    const convBad = firstMismatch(convGot as Float32Array, convRef(x, f, 5, 5, 2, 3, 3));
    if (convBad) return `self-test conv2d 5x5x2 * 3x3x2x3 wrong: ${convBad}`;
    return null;
  } finally {
    mm!.dispose(); conv!.dispose();
  }
}
