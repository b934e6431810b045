import { describe, expect, test } from 'vitest';
import { Sketch } from '../../src/protocol/sketch.js';
import { rng } from '../../src/sdk/explain/coalitions.js';

// Deterministic PRNG so a failure reproduces (the SDK's mulberry32).
const rand = rng(42);
const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());

const distributions: Record<string, () => number> = {
  'lognormal latency (ms)': () => Math.exp(1 + 0.8 * normal()),
  'uniform 0..1000': () => rand() * 1000,
  'pareto heavy tail': () => 0.5 / Math.pow(1 - rand(), 1 / 1.2),
  'bimodal cache hit/miss': () => (rand() < 0.7 ? 2 + rand() : 300 + 50 * rand()),
};
const qs = [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999];

describe('Sketch quantiles against exact quantiles on 100,000 samples', () => {
  for (const [name, draw] of Object.entries(distributions)) {
    test(name, () => {
      const xs = Array.from({ length: 100_000 }, draw);
      const s = new Sketch();
      for (const x of xs) s.add(x);
      const sorted = [...xs].sort((a, b) => a - b);
      for (const q of qs) {
        const exact = sorted[Math.floor(q * (xs.length - 1))]!;
        const got = s.quantile(q);
        expect(Math.abs(got - exact) / exact, `q=${q} exact=${exact} got=${got}`).toBeLessThanOrEqual(0.01);
      }
      expect(s.quantile(0)).toBe(sorted[0]);
      expect(s.quantile(1)).toBe(sorted[sorted.length - 1]);
      expect(s.count).toBe(100_000);
      expect(s.sum).toBeCloseTo(xs.reduce((a, b) => a + b, 0), 3);
    });
  }
});

describe('Sketch merge and wire form', () => {
  test('merging two halves equals sketching the whole, also through JSON', () => {
    const xs = Array.from({ length: 20_000 }, () => Math.exp(2 * normal()));
    const whole = new Sketch();
    const a = new Sketch();
    const b = new Sketch();
    xs.forEach((x, i) => { whole.add(x); (i % 2 ? a : b).add(x); });
    const merged = Sketch.fromJSON(JSON.parse(JSON.stringify(a.toJSON()))).merge(JSON.parse(JSON.stringify(b)));
    const { sum: mergedSum, ...m } = merged.toJSON();
    const { sum: wholeSum, ...w } = whole.toJSON();
    expect(m).toEqual(w);
    expect(mergedSum).toBeCloseTo(wholeSum, 6); // float addition order differs
    for (const q of qs) expect(merged.quantile(q)).toBe(whole.quantile(q));
  });

  test('zeros and tiny values are counted apart and reported as the minimum', () => {
    const s = new Sketch();
    for (let i = 0; i < 60; i++) s.add(0);
    for (let i = 0; i < 40; i++) s.add(5);
    expect(s.toJSON().zeros).toBe(60);
    expect(s.quantile(0.5)).toBe(0);
    expect(Math.abs(s.quantile(0.9) - 5) / 5).toBeLessThanOrEqual(0.01);
  });

  test('non-finite and negative values are ignored rather than corrupting the sketch', () => {
    const s = new Sketch();
    s.add(NaN); s.add(-1); s.add(Infinity); s.add(3);
    expect(s.count).toBe(1);
    expect(s.quantile(0.5)).toBe(3);
  });

  test('size stays bounded: at most maxBuckets, high quantiles stay accurate', () => {
    const s = new Sketch({ maxBuckets: 100 });
    const xs: number[] = [];
    for (let i = 0; i < 50_000; i++) { const x = Math.exp(20 * (rand() - 0.5)); xs.push(x); s.add(x); }
    expect(s.toJSON().counts.length).toBeLessThanOrEqual(100);
    const sorted = xs.sort((a, b) => a - b);
    const p99 = sorted[Math.floor(0.99 * (xs.length - 1))]!;
    expect(Math.abs(s.quantile(0.99) - p99) / p99).toBeLessThanOrEqual(0.01);
    expect(s.count).toBe(50_000);
  });

  test('an empty sketch answers NaN and serialises to zeros', () => {
    const s = new Sketch();
    expect(s.quantile(0.5)).toBeNaN();
    expect(s.toJSON()).toEqual({ alpha: 0.01, offset: 0, counts: [], zeros: 0, count: 0, sum: 0, min: 0, max: 0 });
  });

  test('bad input says what is wrong', () => {
    expect(() => new Sketch({ alpha: 2 })).toThrow(/alpha must be in \(0, 1\)/);
    expect(() => new Sketch().merge(new Sketch({ alpha: 0.02 }))).toThrow(/different alpha/);
    expect(() => Sketch.fromJSON({ ...new Sketch().toJSON(), counts: [1, -1] })).toThrow(/counts/);
    expect(() => Sketch.fromJSON({ ...new Sketch().toJSON(), offset: 1.5 })).toThrow(/offset/);
  });
});
