// Binning shared by the CLI (which computes a model's training baseline) and the
// SDK's telemetry recorder (which counts live inputs in the same bins). Both
// sides must run this exact code, or drift would be measured between two
// different binnings. Isomorphic: no DOM, no Node APIs.
import type { FeatureBaseline } from './manifest-types.js';

/** Image summary features, computed over a model input (values usually in [0, 1]). */
export interface ImageSummary {
  /** Mean value over all pixels and channels. */
  mean: number;
  /** Fraction of pixels whose (channel-averaged) value exceeds `inkThreshold`. */
  ink: number;
  /** Population standard deviation over all pixels and channels. */
  std: number;
}

export interface ImageLayout {
  height: number;
  width: number;
  channels: number;
  /** A pixel counts as ink above this value (default 0.5, for inputs scaled to [0, 1]). */
  inkThreshold?: number;
}

/**
 * Bin of `x` for the edges of a FeatureBaseline: (-inf, e0) -> 0, [e(i-1), e(i)) -> i,
 * [e(k-1), +inf) -> k. So there are `edges.length + 1` bins. NaN has no bin: -1.
 * Edges must be sorted ascending (duplicates allowed: the later bin wins).
 * @example binIndex([0, 1, 2], 1.5) // 2
 */
export function binIndex(edges: ArrayLike<number>, x: number): number {
  if (Number.isNaN(x)) return -1;
  // Upper bound: the number of edges <= x.
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Summary features of one image laid out height × width × channels (HWC, row-major,
 * as tfjs tensors are). Multi-channel pixels are averaged across channels for `ink`.
 * @example imageSummary(pixels, { height: 28, width: 28, channels: 1 }) // { mean, ink, std }
 */
export function imageSummary(pixels: ArrayLike<number>, layout: ImageLayout): ImageSummary {
  const { height, width, channels, inkThreshold = 0.5 } = layout;
  const n = height * width * channels;
  if (n <= 0 || pixels.length < n) {
    throw new RangeError(`imageSummary: expected ${n} values (${height}x${width}x${channels}), got ${pixels.length}`);
  }
  let sum = 0;
  let sumSq = 0;
  let inked = 0;
  for (let p = 0; p < height * width; p++) {
    let pixel = 0;
    for (let c = 0; c < channels; c++) {
      const v = pixels[p * channels + c]!;
      sum += v;
      sumSq += v * v;
      pixel += v;
    }
    if (pixel / channels > inkThreshold) inked++;
  }
  const mean = sum / n;
  const variance = Math.max(0, sumSq / n - mean * mean);
  return { mean, ink: inked / (height * width), std: Math.sqrt(variance) };
}

/**
 * The value a baseline feature reads from one example (flattened input of one row):
 * `example[index]`, or an image summary feature (computed once by the caller, see `binExample`).
 */
export function featureValue(feature: FeatureBaseline, example: ArrayLike<number>, summary?: ImageSummary): number {
  if (feature.summary !== undefined) {
    if (!summary) throw new RangeError(`feature ${feature.name} needs an image summary (image layout missing)`);
    return summary[feature.summary];
  }
  if (feature.index === undefined) throw new RangeError(`feature ${feature.name} has neither index nor summary`);
  const v = example[feature.index];
  return v === undefined ? Number.NaN : v;
}

/**
 * Bin index of every baseline feature for one example; -1 where the value is NaN.
 * Pass `image` when any feature is an image summary.
 * @example binExample(baseline.features, row) // [3, 0, 9, 10]
 */
export function binExample(
  features: readonly FeatureBaseline[],
  example: ArrayLike<number>,
  image?: ImageLayout,
): number[] {
  const summary = image && features.some((f) => f.summary !== undefined) ? imageSummary(example, image) : undefined;
  return features.map((f) => binIndex(f.edges, featureValue(f, example, summary)));
}
