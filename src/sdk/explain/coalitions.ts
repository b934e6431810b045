// KernelSHAP coalition design (Lundberg & Lee 2017, as in the reference `shap` package):
// subset sizes whose whole population fits the budget are enumerated with their exact
// Shapley-kernel weight; the rest is sampled by size in complementary pairs, and the
// sampled weights are scaled to the kernel mass they stand for.

/** Coalitions over M players: `masks[i*M + j]` is 1 when player j keeps the explained value. */
export interface Coalitions {
  players: number;
  count: number;
  masks: Uint8Array;
  weights: Float64Array;
  /** True when every coalition was enumerated (the estimate is then exact). */
  exact: boolean;
}

/** Deterministic PRNG (mulberry32) so explanations are repeatable. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return Math.round(r);
}

/** Default budget: 2·M + 2048 coalitions (the `shap` package's 'auto'). */
export function defaultSamples(players: number): number {
  return 2 * players + 2048;
}

export function shapleyCoalitions(players: number, budget: number, random: () => number): Coalitions {
  const M = players;
  const masks: number[] = [];
  const weights: number[] = [];
  const add = (mask: ArrayLike<number>, w: number) => { for (let j = 0; j < M; j++) masks.push(mask[j]); weights.push(w); };
  const total = M < 31 ? 2 ** M - 2 : Infinity;

  if (total <= budget) {
    // Every coalition: the regression then reproduces exact Shapley values.
    for (let bits = 1; bits <= total; bits++) {
      const mask = new Array<number>(M);
      let s = 0;
      for (let j = 0; j < M; j++) { mask[j] = (bits >> j) & 1; s += mask[j]; }
      add(mask, (M - 1) / (binomial(M, s) * s * (M - s)));
    }
    return pack(M, masks, weights, true);
  }

  const sizes = Math.ceil((M - 1) / 2);
  const paired = Math.floor((M - 1) / 2);
  const kernel = Array.from({ length: sizes }, (_, i) => ((M - 1) / ((i + 1) * (M - i - 1))) * (i + 1 <= paired ? 2 : 1));
  const kernelSum = kernel.reduce((a, b) => a + b, 0);
  for (let i = 0; i < sizes; i++) kernel[i] /= kernelSum;

  let left = budget;
  let full = 0;
  const remaining = kernel.slice();
  for (let s = 1; s <= sizes; s++) {
    const n = binomial(M, s) * (s <= paired ? 2 : 1);
    if ((left * remaining[s - 1]) / n < 1 - 1e-8) break;
    full++;
    left -= n;
    if (remaining[s - 1] < 1) { const r = 1 - remaining[s - 1]; for (let i = 0; i < sizes; i++) remaining[i] /= r; }
    const w = kernel[s - 1] / binomial(M, s) / (s <= paired ? 2 : 1);
    forEachSubset(M, s, (mask) => {
      add(mask, w);
      if (s <= paired) add(mask.map((v) => 1 - v), w);
    });
  }

  const fixed = weights.length;
  if (full < sizes && left > 0) {
    const p = kernel.slice(full).map((k, i) => (i + full + 1 <= paired ? k / 2 : k));
    const pSum = p.reduce((a, b) => a + b, 0);
    const seen = new Map<string, number>();
    let tries = 0;
    while (left > 0 && tries++ < 4 * budget) {
      let u = random() * pSum;
      let idx = 0;
      while (idx < p.length - 1 && u >= p[idx]) { u -= p[idx]; idx++; }
      const s = idx + full + 1;
      const mask = randomSubset(M, s, random);
      const key = mask.join('');
      const at = seen.get(key);
      if (at === undefined) {
        seen.set(key, weights.length);
        add(mask, 1);
        left--;
        if (left > 0 && s <= paired) { add(mask.map((v) => 1 - v), 1); left--; }
      } else {
        weights[at] += 1;
        if (s <= paired && at + 1 < weights.length) weights[at + 1] += 1;
      }
    }
    // The sampled coalitions stand for the kernel mass of the sizes not enumerated.
    const massLeft = kernel.slice(full).reduce((a, b) => a + b, 0);
    let sampled = 0;
    for (let i = fixed; i < weights.length; i++) sampled += weights[i];
    for (let i = fixed; i < weights.length; i++) weights[i] *= massLeft / sampled;
  }
  return pack(M, masks, weights, false);
}

function pack(M: number, masks: number[], weights: number[], exact: boolean): Coalitions {
  return { players: M, count: weights.length, masks: Uint8Array.from(masks), weights: Float64Array.from(weights), exact };
}

function forEachSubset(M: number, s: number, visit: (mask: number[]) => void): void {
  const idx = Array.from({ length: s }, (_, i) => i);
  for (;;) {
    const mask = new Array<number>(M).fill(0);
    for (const i of idx) mask[i] = 1;
    visit(mask);
    let k = s - 1;
    while (k >= 0 && idx[k] === M - s + k) k--;
    if (k < 0) return;
    idx[k]++;
    for (let j = k + 1; j < s; j++) idx[j] = idx[j - 1] + 1;
  }
}

function randomSubset(M: number, s: number, random: () => number): number[] {
  const order = Array.from({ length: M }, (_, i) => i);
  for (let i = 0; i < s; i++) {
    const j = i + Math.floor(random() * (M - i));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const mask = new Array<number>(M).fill(0);
  for (let i = 0; i < s; i++) mask[order[i]] = 1;
  return mask;
}
