// The quantization math against tfjs-converter's documented behaviour and IEEE half precision.
import { expect, test } from 'vitest';
import { affineRange, float16Bits, float16Value, quantizeTensor, roundHalfEven } from '../../src/cli/quantize-weights.js';

const entry = { name: 'w', shape: [3], dtype: 'float32' as const };

test('uint8 matches the converter docstring example ([0, -0.1, 1.2] -> [20, 0, 255])', () => {
  const q = quantizeTensor(entry, Float32Array.from([0, -0.1, 1.2]), 'uint8');
  expect(Array.from(q.bytes)).toEqual([20, 0, 255]);
  expect(q.entry.quantization).toEqual({ dtype: 'uint8', min: expect.closeTo(-0.10196078817, 9), scale: expect.closeTo(0.00509803940852, 11), original_dtype: 'float32' });
});

test('the nudged range keeps zero exact; ranges without zero are not nudged', () => {
  for (const [lo, hi] of [[-0.37, 1.91], [-5, 0.001], [-1e-3, 7]] as const) {
    for (const dtype of ['uint8', 'uint16'] as const) {
      const r = affineRange(lo, hi, dtype);
      const zero = -r.min / r.scale;
      expect(Math.abs(zero - Math.round(zero))).toBeLessThan(1e-9);
    }
  }
  expect(affineRange(0.5, 2, 'uint8')).toEqual({ scale: 1.5 / 255, min: 0.5, max: 2 });
});

test('a constant tensor is all zeros with scale 1 and min = the constant', () => {
  const q = quantizeTensor(entry, Float32Array.from([0.25, 0.25, 0.25]), 'uint16');
  expect(Array.from(new Uint16Array(q.bytes.buffer))).toEqual([0, 0, 0]);
  expect(q.entry.quantization).toMatchObject({ min: 0.25, scale: 1 });
});

test('rounds half to even like numpy', () => {
  expect([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, 2, 3]);
});

test('float16: exact known encodings, round to nearest even, overflow to infinity', () => {
  expect(float16Bits(1)).toBe(0x3c00);
  expect(float16Bits(-2)).toBe(0xc000);
  expect(float16Bits(65504)).toBe(0x7bff);
  expect(float16Bits(65520)).toBe(0x7c00);
  expect(float16Bits(2 ** -24)).toBe(0x0001);
  expect(float16Bits(2 ** -26)).toBe(0);
  expect(float16Bits(1 / 3)).toBe(0x3555);
  expect(float16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie -> even
  expect(float16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie -> even (up)
  expect(Number.isNaN(float16Value(float16Bits(Number.NaN)))).toBe(true);
  for (let i = 0; i < 2000; i++) {
    const v = Math.fround((Math.random() - 0.5) * 10 ** (Math.random() * 8 - 4));
    expect(Math.abs(float16Value(float16Bits(v)) - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11 + 2 ** -25);
  }
});
