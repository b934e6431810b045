// Weight quantization, matching tfjs-converter's Python implementation
// (tensorflowjs/quantization.py + write_weights.py) so a model quantized here loads
// and behaves exactly like one from `tensorflowjs_converter --quantize_uint8`:
// - uint8/uint16: affine over [min, max] of the tensor, with the range "nudged" (as in
//   TF-Lite) so that 0.0 maps to an integer and stays exactly 0 after dequantization;
//   values round half to even, like numpy's np.round;
// - float16: IEEE half precision, round to nearest even (numpy's astype(float16));
// - only float32 tensors are quantized; int32, bool and string tensors pass unchanged.
import type { io } from '@tensorflow/tfjs-core';

export type QuantizeDtype = 'uint8' | 'uint16' | 'float16';
type Entry = io.WeightsManifestEntry & { quantization?: Record<string, unknown> };

/** np.round: round half to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The nudged range of `_get_affine_quantization_range`. */
export function affineRange(min: number, max: number, dtype: 'uint8' | 'uint16') {
  const qmax = dtype === 'uint8' ? 255 : 65535;
  const scale = (max - min) / qmax;
  if (min <= 0 && 0 <= max) {
    const zeroPoint = roundHalfEven((0 - min) / scale);
    const nudgedMin = -zeroPoint * scale;
    return { scale, min: nudgedMin, max: qmax * scale + nudgedMin };
  }
  return { scale, min, max };
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 -> IEEE 754 half bits, round to nearest even; overflow becomes ±Infinity. */
export function float16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}

export interface QuantizedTensor {
  entry: Entry;
  bytes: Uint8Array;
}

/** Quantizes one float32 tensor; returns the manifest entry and the bytes tfjs-converter would write. */
export function quantizeTensor(entry: io.WeightsManifestEntry, values: Float32Array, dtype: QuantizeDtype): QuantizedTensor {
  if (dtype === 'float16') {
    const out = new Uint16Array(values.length);
    for (let i = 0; i < values.length; i++) out[i] = float16Bits(values[i]!);
    return { entry: { ...entry, quantization: { dtype, original_dtype: 'float32' } }, bytes: new Uint8Array(out.buffer) };
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const out = dtype === 'uint8' ? new Uint8Array(values.length) : new Uint16Array(values.length);
  let q: { scale: number; min: number };
  if (values.length === 0 || lo === hi) {
    // A constant tensor is all zeros with scale 1 and min = the constant.
    q = { scale: 1, min: values.length ? lo : 0 };
  } else {
    const r = affineRange(lo, hi, dtype);
    q = r;
    for (let i = 0; i < values.length; i++) {
      const v = Math.min(r.max, Math.max(r.min, values[i]!));
      out[i] = roundHalfEven((v - r.min) / r.scale);
    }
  }
  return {
    entry: { ...entry, quantization: { dtype, min: q.min, scale: q.scale, original_dtype: 'float32' } },
    bytes: new Uint8Array(out.buffer),
  };
}

/**
 * A tensor whose range is dominated by a few outliers: one quantization step is larger than a
 * typical weight (median |w| over the non-zero weights), so most weights collapse onto a few
 * levels. Returns the step / typical ratio when it exceeds 1, else null.
 * @example outlierRatio(depthwiseKernel, 'uint8') // 78 (±7000 span, typical |w| 0.6)
 */
export function outlierRatio(values: Float32Array, dtype: 'uint8' | 'uint16'): { ratio: number; min: number; max: number; typical: number; step: number } | null {
  const mags = Float32Array.from(values, Math.abs).filter((v) => v > 0).sort();
  if (mags.length < 16) return null; // too few to say what "typical" is
  let min = Infinity, max = -Infinity;
  for (const v of values) { if (v < min) min = v; if (v > max) max = v; }
  const typical = mags[mags.length >> 1]!;
  const step = (max - min) / (dtype === 'uint8' ? 255 : 65535);
  return step > typical ? { ratio: step / typical, min, max, typical, step } : null;
}

/** Float16 weights widened to float32: exact (every float16 value is a float32 value). */
export function widenFloat16(bytes: Uint8Array): Float32Array {
  const bits = new Uint16Array(bytes.slice().buffer);
  return Float32Array.from(bits, float16Value);
}

/** float16 bits -> float32 value (for evaluation and tests). */
export function float16Value(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? Number.NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}
