// Deterministic randomness for training: one seed drives the data split, the
// shuffles, weight initialisation and dropout (tfjs falls back to Math.random
// when an op has no seed, so the training scripts replace it with this stream).

/** mulberry32: a small, fast 32-bit PRNG; same seed, same stream on every machine. The SDK's
 *  explain code uses the same generator, so there is one copy of it. */
import { rng as mulberry32 } from '../../src/sdk/explain/coalitions.js';

export { mulberry32 };

/** Fisher–Yates shuffle of 0..n-1. */
export function shuffledIndices(n: number, random: () => number): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  return idx;
}

/** Makes Math.random deterministic for the rest of the process (training scripts only). */
export function seedMathRandom(seed: number): void {
  Math.random = mulberry32(seed ^ 0x9e3779b9);
}
