// DDSketch-style log-bucket sketch (Masson, Rim & Lee, VLDB 2019) for positive
// values such as latencies. Every quantile it answers is within relative error
// `alpha` of a value of the stream, sketches merge exactly by adding bucket
// counts, and the size is bounded by `maxBuckets` whatever the stream length.
// This file holds what recording needs (add, wire form); sketch.ts adds quantiles, merge and
// fromJSON for the collector, so the SDK bundle carries only the recording half.
// Isomorphic: used by the SDK recorder and by the collector.
import type { SketchJSON } from './wire-types.js';

/** Values at or below this count in `zeros` (log buckets cannot hold them). */
export const SKETCH_MIN_VALUE = 1e-9;
/** The relative accuracy every sketch uses: the collector accepts only this one, so sketches merge exactly. */
export const SKETCH_ALPHA = 0.01;

export interface SketchOptions {
  /** Relative accuracy of quantiles. Default 0.01 (1%). */
  alpha?: number;
  /** Most buckets kept; beyond it the lowest buckets are collapsed together, so only
   *  low quantiles lose accuracy (what a latency reader cares least about). Default 2048,
   *  which at alpha 0.01 spans 1e-9 .. 1e9 without collapsing. */
  maxBuckets?: number;
}

/**
 * The recording half of the sketch: add values, emit the wire form. The full Sketch
 * (quantile, merge, fromJSON) extends it.
 * @example
 * const s = new SketchCore();
 * s.add(12.5);
 * send(s.toJSON());
 */
export class SketchCore {
  readonly alpha: number;
  readonly maxBuckets: number;
  protected readonly logGamma: number;
  protected offset = 0;
  protected counts: number[] = [];
  zeros = 0;
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;

  constructor({ alpha = SKETCH_ALPHA, maxBuckets = 2048 }: SketchOptions = {}) {
    if (!(alpha > 0 && alpha < 1)) throw new RangeError(`sketch alpha must be in (0, 1), got ${alpha}`);
    if (!(Number.isInteger(maxBuckets) && maxBuckets >= 2)) {
      throw new RangeError(`sketch maxBuckets must be an integer >= 2, got ${maxBuckets}`);
    }
    this.alpha = alpha;
    this.maxBuckets = maxBuckets;
    this.logGamma = Math.log((1 + alpha) / (1 - alpha));
  }

  /** Add `n` occurrences of `value`. Non-finite or negative values and n <= 0 are ignored. */
  add(value: number, n = 1): void {
    if (!(value >= 0 && value < Infinity && n > 0)) return;
    this.count += n;
    this.sum += value * n;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (value <= SKETCH_MIN_VALUE) { this.zeros += n; return; }
    this.addToBucket(Math.ceil(Math.log(value) / this.logGamma), n);
  }

  /** Wire form; trailing and leading empty buckets are trimmed. */
  toJSON(): SketchJSON {
    let lo = 0;
    let hi = this.counts.length;
    while (lo < hi && this.counts[lo] === 0) lo++;
    while (hi > lo && this.counts[hi - 1] === 0) hi--;
    const empty = this.count === 0;
    return {
      alpha: this.alpha,
      offset: hi > lo ? this.offset + lo : 0,
      counts: this.counts.slice(lo, hi),
      zeros: this.zeros,
      count: this.count,
      sum: this.sum,
      min: empty ? 0 : this.min,
      max: empty ? 0 : this.max,
    };
  }

  protected addToBucket(i: number, n: number): void {
    const c = this.counts;
    if (c.length === 0) { this.offset = i; c.push(n); return; }
    let j = i - this.offset;
    if (j >= 0 && j < c.length) { c[j]! += n; return; }
    if (j >= c.length) {
      while (c.length <= j) c.push(0);
    } else {
      // Grow downwards; unshift is rare (only when a new minimum bucket appears).
      const pad = new Array<number>(-j).fill(0);
      c.unshift(...pad);
      this.offset = i;
      j = 0;
    }
    c[j]! += n;
    if (c.length > this.maxBuckets) this.collapseLowest();
  }

  /** Fold the lowest buckets into the lowest kept one so at most maxBuckets remain. */
  private collapseLowest(): void {
    const c = this.counts;
    const extra = c.length - this.maxBuckets;
    let folded = 0;
    for (let j = 0; j <= extra; j++) folded += c[j]!;
    c.splice(0, extra);
    c[0] = folded;
    this.offset += extra;
  }
}
