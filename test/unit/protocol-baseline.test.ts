import { describe, expect, it } from 'vitest';
import { binExample, binIndex, imageSummary } from '../../src/protocol/baseline.js';

describe('binIndex', () => {
  it('puts values in open-ended bins: below the first edge, between edges, at or above the last', () => {
    const edges = [0, 1, 2];
    expect(binIndex(edges, -5)).toBe(0);
    expect(binIndex(edges, 0)).toBe(1); // left-closed
    expect(binIndex(edges, 0.99)).toBe(1);
    expect(binIndex(edges, 1.5)).toBe(2);
    expect(binIndex(edges, 2)).toBe(3);
    expect(binIndex(edges, 1e9)).toBe(3);
    expect(binIndex(edges, Infinity)).toBe(3);
    expect(binIndex(edges, -Infinity)).toBe(0);
  });
  it('gives NaN no bin, and handles duplicate and empty edge lists', () => {
    expect(binIndex([0, 1], Number.NaN)).toBe(-1);
    expect(binIndex([1, 1, 2], 1)).toBe(2);
    expect(binIndex([], 3)).toBe(0);
  });
  it('agrees with a linear scan on random edges', () => {
    const edges = Array.from({ length: 11 }, (_, i) => i * 0.37 - 2).sort((a, b) => a - b);
    for (let t = 0; t < 500; t++) {
      const x = Math.random() * 8 - 4;
      expect(binIndex(edges, x)).toBe(edges.filter((e) => e <= x).length);
    }
  });
});

describe('imageSummary', () => {
  it('computes mean, ink fraction and standard deviation of a grayscale image', () => {
    const px = [0, 0, 1, 1]; // 2x2, half ink
    const s = imageSummary(px, { height: 2, width: 2, channels: 1 });
    expect(s.mean).toBeCloseTo(0.5);
    expect(s.ink).toBeCloseTo(0.5);
    expect(s.std).toBeCloseTo(0.5);
  });
  it('averages channels for ink and honours the threshold', () => {
    const px = [0.9, 0.9, 0.9, 0.9, 0.1, 0.1]; // 1x2 RGB: one bright, one mixed (mean 0.37)
    expect(imageSummary(px, { height: 1, width: 2, channels: 3 }).ink).toBeCloseTo(0.5);
    expect(imageSummary(px, { height: 1, width: 2, channels: 3, inkThreshold: 0.2 }).ink).toBeCloseTo(1);
  });
  it('refuses a buffer smaller than the layout', () => {
    expect(() => imageSummary([1, 2, 3], { height: 2, width: 2, channels: 1 })).toThrow(/expected 4 values/);
  });
});

describe('binExample', () => {
  it('bins indexed and summary features of one example', () => {
    const features = [
      { name: 'px0', index: 0, edges: [0.5], expected: [0.5, 0.5] },
      { name: 'ink', summary: 'ink' as const, edges: [0.25, 0.75], expected: [0.3, 0.4, 0.3] },
    ];
    expect(binExample(features, [0, 1, 1, 1], { height: 2, width: 2, channels: 1 })).toEqual([0, 2]);
    expect(binExample([features[0]!], [Number.NaN])).toEqual([-1]);
  });
});
