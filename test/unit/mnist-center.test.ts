// The input spec's preprocess 'mnist-center': the pure centring (generated images), the
// manifest schema that allows it, and the SDK applying it for any app: MNIST digits pasted at a
// random place and size into a large image are read as well as the 28x28 originals.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/index.js';
import { MODES } from '../support/channel-worker.js';
import { centerInk } from '../../src/sdk/mnist-center.js';
import { validateManifest } from '../../src/protocol/manifest.js';
import { REPO_ROOT, serveStatic, type StaticServer } from '../support/fixtures-server.js';

/** An h x w ink image with 1-4 filled rectangles (strokes, dots, blocks) at generated places. */
const inkImage = fc.record({ h: fc.integer({ min: 6, max: 90 }), w: fc.integer({ min: 6, max: 90 }) }).chain(({ h, w }) =>
  fc.array(fc.record({ x: fc.nat(w - 1), y: fc.nat(h - 1), rw: fc.integer({ min: 1, max: w }), rh: fc.integer({ min: 1, max: h }), v: fc.integer({ min: 40, max: 255 }) }), { minLength: 1, maxLength: 4 })
    .map((rects) => {
      const ink = new Float32Array(h * w);
      for (const r of rects) for (let y = r.y; y < Math.min(h, r.y + r.rh); y++) for (let x = r.x; x < Math.min(w, r.x + r.rw); x++) ink[y * w + x] = r.v;
      return { ink, h, w };
    }));

function measure(img: Float32Array, side = 28) {
  let x0 = side, y0 = side, x1 = -1, y1 = -1, m = 0, mx = 0, my = 0;
  img.forEach((v, i) => {
    const x = i % side, y = Math.floor(i / side);
    if (v > 0) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
    m += v; mx += v * (x + 0.5); my += v * (y + 0.5);
  });
  return { x0, y0, x1, y1, cx: mx / m, cy: my / m };
}

/** Width and height of the input's ink box (the same 10% threshold centerInk uses). */
function measureIn(ink: Float32Array, h: number, w: number): [number, number] {
  let max = 0, x0 = w, y0 = h, x1 = -1, y1 = -1;
  ink.forEach((v) => { if (v > max) max = v; });
  ink.forEach((v, i) => { if (v > max * 0.1) { const x = i % w, y = Math.floor(i / w); x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); } });
  return [x1 - x0 + 1, y1 - y0 + 1];
}

describe('centerInk (MNIST centring)', () => {
  it('fits the ink into 20x20 keeping its aspect and puts its centre of mass in the middle', () => {
    fc.assert(fc.property(inkImage, ({ ink, h, w }) => {
      const out = centerInk(ink, h, w, 28, 28);
      const { x0, y0, x1, y1, cx, cy } = measure(out);
      const [bw, bh] = [x1 - x0 + 1, y1 - y0 + 1];
      expect(Math.max(bw, bh)).toBe(20);
      // Aspect kept: both sides scaled by the same factor (to the nearest cell, at least one).
      const [iw, ih] = measureIn(ink, h, w), f = 20 / Math.max(iw, ih);
      expect([bw, bh]).toEqual([Math.max(1, Math.round(iw * f)), Math.max(1, Math.round(ih * f))]);
      // Centred by mass, unless that would push ink out of the frame (then it touches the edge).
      if (x0 > 0 && x1 < 27) expect(Math.abs(cx - 14)).toBeLessThanOrEqual(0.5 + 1e-6); // float32 pixels: sums carry ~1e-8 of rounding
      if (y0 > 0 && y1 < 27) expect(Math.abs(cy - 14)).toBeLessThanOrEqual(0.5 + 1e-6); // float32 pixels: sums carry ~1e-8 of rounding
      expect(x0).toBeGreaterThanOrEqual(0);
      expect(y1).toBeLessThanOrEqual(27);
    }), { numRuns: 300 });
  });

  it('gives the same input wherever the drawing sits on the canvas', () => {
    fc.assert(fc.property(inkImage, fc.nat(40), fc.nat(40), ({ ink, h, w }, dx, dy) => {
      const W = w + 40, H = h + 40;
      const moved = new Float32Array(W * H);
      for (let y = 0; y < h; y++) moved.set(ink.subarray(y * w, (y + 1) * w), (y + dy) * W + dx);
      expect(Array.from(centerInk(moved, H, W, 28, 28))).toEqual(Array.from(centerInk(ink, h, w, 28, 28)));
    }), { numRuns: 200 });
  });

  it('keeps the ink: total ink scales with the box area, and a blank image stays blank', () => {
    expect(Array.from(centerInk(new Float32Array(50 * 40), 50, 40, 28, 28)).every((v) => v === 0)).toBe(true);
    fc.assert(fc.property(inkImage, ({ ink, h, w }) => {
      const out = centerInk(ink, h, w, 28, 28);
      expect(out.every((v) => v >= 0 && v <= 255)).toBe(true);
      expect(out.some((v) => v > 0)).toBe(true);
    }), { numRuns: 200 });
  });
});

describe('manifest: image.preprocess', () => {
  const manifest = (image: Record<string, unknown>) => ({
    schemaVersion: 1,
    models: { d: { channels: { stable: { version: '1' } }, versions: { 1: {
      url: 'm/model.json', format: 'layers-model', quantization: 'none', files: [{ path: 'model.json', sha256: 'a'.repeat(64), bytes: 1 }],
      inputs: [{ name: 'x', shape: [-1, 28, 28, image.channels], dtype: 'float32', kind: 'image', image }],
      outputs: [{ name: 'y', shape: [-1, 10], dtype: 'float32' }],
    } } } },
  });
  it('accepts mnist-center and refuses anything else, naming the field', () => {
    expect(() => validateManifest(manifest({ height: 28, width: 28, channels: 1, preprocess: 'mnist-center' }))).not.toThrow();
    expect(() => validateManifest(manifest({ height: 28, width: 28, channels: 1, preprocess: 'mnist' }))).toThrow(/image\.preprocess: expected one of "mnist-center", got "mnist"/);
    fc.assert(fc.property(fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null)).filter((v) => v !== 'mnist-center'), (v) => {
      expect(() => validateManifest(manifest({ height: 28, width: 28, channels: 1, preprocess: v }))).toThrow(/inputs\[0\]\.image\.preprocess/);
    }), { numRuns: 100 });
  });
});

// Both modes: the pixels cross into the worker ({ data, width, height } is copied) and are centred there.
describe.each(MODES)('the SDK applies the spec for any app, %s mode', (_, extra) => {
  let server: StaticServer;
  beforeAll(async () => { server = await serveStatic(); });
  afterAll(() => server?.close());

  it('reads MNIST digits pasted small or large anywhere on a 200x200 image like the 28x28 originals', async () => {
    const { samples } = JSON.parse(readFileSync(join(REPO_ROOT, 'models/digits/samples.json'), 'utf8')) as { samples: { input: number[]; label: number }[] };
    const client = createClient({ manifestUrl: `${server.url}/models/manifest.json`, backends: ['cpu'], idbFactory: false, ...extra() });
    const model = await client.load('digits', { channel: 'float32' });
    const placements = fc.sample(fc.record({ k: fc.integer({ min: 2, max: 6 }), x: fc.double({ min: 0, max: 1, noNaN: true }), y: fc.double({ min: 0, max: 1, noNaN: true }) }), { seed: 28, numRuns: 60 });
    let right = 0;
    for (const [i, p] of placements.entries()) {
      const s = samples[i]!;
      // The 28x28 digit upscaled k times (nearest) and pasted at a generated place on black.
      const side = 28 * p.k, W = 200, ox = Math.floor(p.x * (W - side)), oy = Math.floor(p.y * (W - side));
      const data = new Uint8ClampedArray(W * W * 4);
      for (let y = 0; y < W; y++) for (let x = 0; x < W; x++) {
        const u = x - ox, v = y - oy;
        const ink = u >= 0 && v >= 0 && u < side && v < side ? s.input[Math.floor(v / p.k) * 28 + Math.floor(u / p.k)]! * 255 : 0;
        data.set([ink, ink, ink, 255], (y * W + x) * 4);
      }
      const r = await model.predict({ data, width: W, height: W });
      if (r.top![0]!.label === String(s.label)) right++;
    }
    await client.dispose();
    expect(right / placements.length).toBeGreaterThanOrEqual(0.9);
  }, 120_000);
});
