// DDSketch-style log-bucket sketch (Masson, Rim & Lee, VLDB 2019) for positive
// values such as latencies: quantiles, exact merges and the wire form. Recording lives
// in sketch-core.ts (the part the SDK bundles). Isomorphic: used by the collector and tests.
import { SketchCore } from './sketch-core.js';
import type { SketchJSON } from './wire-types.js';

export { SKETCH_MIN_VALUE, type SketchOptions } from './sketch-core.js';

/**
 * Mergeable quantile sketch.
 * @example
 * const s = new Sketch();
 * for (const ms of latencies) s.add(ms);
 * s.quantile(0.99); // within 1% of the exact p99
 * const wire = s.toJSON(); Sketch.fromJSON(wire).merge(other);
 */
export class Sketch extends SketchCore {
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
}
