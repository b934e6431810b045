// DDSketch-style log-bucket sketch (Masson, Rim & Lee, VLDB 2019) for positive
// values such as latencies. Every quantile it answers is within relative error
// `alpha` of a value of the stream, sketches merge exactly by adding bucket
// counts, and the size is bounded by `maxBuckets` whatever the stream length.
// Isomorphic: used by the SDK recorder and by the collector.
import type { SketchJSON } from './wire-types.js';

/** Values at or below this count in `zeros` (log buckets cannot hold them). */
export const SKETCH_MIN_VALUE = 1e-9;

export interface SketchOptions {
  /** Relative accuracy of quantiles. Default 0.01 (1%). */
  alpha?: number;
  /** Most buckets kept; beyond it the lowest buckets are collapsed together, so only
   *  low quantiles lose accuracy (what a latency reader cares least about). Default 2048,
   *  which at alpha 0.01 spans 1e-9 .. 1e9 without collapsing. */
  maxBuckets?: number;
}

/**
 * Mergeable quantile sketch.
 * @example
 * const s = new Sketch();
 * for (const ms of latencies) s.add(ms);
 * s.quantile(0.99); // within 1% of the exact p99
 * const wire = s.toJSON(); Sketch.fromJSON(wire).merge(other);
 */
export class Sketch {
  readonly alpha: number;
  readonly maxBuckets: number;
  private readonly logGamma: number;
  private offset = 0;
  private counts: number[] = [];
  zeros = 0;
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;

  constructor({ alpha = 0.01, maxBuckets = 2048 }: SketchOptions = {}) {
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

  /** Value at quantile q in [0, 1]; NaN when empty. */
  quantile(q: number): number {
    if (this.count === 0 || !(q >= 0 && q <= 1)) return NaN;
    if (q === 0) return this.min;
    if (q === 1) return this.max;
    const rank = q * (this.count - 1);
    if (rank < this.zeros) return Math.max(this.min, 0);
    let seen = this.zeros;
    const c = this.counts;
    for (let j = 0; j < c.length; j++) {
      seen += c[j]!;
      if (seen > rank) return this.clamp(this.bucketValue(this.offset + j));
    }
    return this.max;
  }

  /** Fold another sketch (or its JSON) into this one. Both must have the same alpha. */
  merge(other: Sketch | SketchJSON): this {
    const o = other instanceof Sketch ? other.toJSON() : other;
    if (Math.abs(o.alpha - this.alpha) > 1e-12) {
      throw new RangeError(`cannot merge sketches with different alpha (${this.alpha} vs ${o.alpha})`);
    }
    if (o.count === 0) return this;
    for (let j = 0; j < o.counts.length; j++) if (o.counts[j]! > 0) this.addToBucket(o.offset + j, o.counts[j]!);
    this.zeros += o.zeros;
    this.count += o.count;
    this.sum += o.sum;
    if (o.min < this.min) this.min = o.min;
    if (o.max > this.max) this.max = o.max;
    return this;
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

  /** Rebuild a sketch from its wire form. Throws a RangeError naming the bad field. */
  static fromJSON(json: SketchJSON, { maxBuckets = 2048 }: { maxBuckets?: number } = {}): Sketch {
    if (!json || typeof json !== 'object') throw new RangeError('sketch must be an object');
    if (!Number.isInteger(json.offset)) throw new RangeError(`sketch offset must be an integer, got ${json.offset}`);
    if (!Array.isArray(json.counts) || json.counts.some((c) => !(c >= 0 && Number.isFinite(c)))) {
      throw new RangeError('sketch counts must be an array of finite numbers >= 0');
    }
    for (const k of ['zeros', 'count', 'sum', 'min', 'max'] as const) {
      if (!(typeof json[k] === 'number' && Number.isFinite(json[k]))) throw new RangeError(`sketch ${k} must be a finite number`);
    }
    const s = new Sketch({ alpha: json.alpha, maxBuckets });
    s.merge(json);
    // merge() added counts; keep the sender's totals (with noise they may differ slightly).
    s.count = json.count;
    s.sum = json.sum;
    return s;
  }

  /** Representative value of bucket i: within alpha of every value in (gamma^(i-1), gamma^i]. */
  private bucketValue(i: number): number {
    return (2 * Math.exp(i * this.logGamma)) / (1 + Math.exp(this.logGamma));
  }

  private clamp(v: number): number {
    return v < this.min ? this.min : v > this.max ? this.max : v;
  }

  private addToBucket(i: number, n: number): void {
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
