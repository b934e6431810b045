// Turning what the caller passes into the model's input tensors, checking shape and dtype first
// (host side, cheap) so a mistake says "expected [..] got [..]" instead of a tfjs stack trace.
import * as tf from '@tensorflow/tfjs-core';
import type { InputSpec } from '../protocol/manifest-types.js';
import { InferScopeError, isInferScopeError } from './errors.js';
import { imagePlan, isPixelSource, pixelProblem, pixelsToTensor, type ImagePlan, type PixelSource } from './image-input.js';
import type { TensorInfo } from './tf-model.js';

type TypedArray = Float32Array | Float64Array | Int32Array | Int16Array | Int8Array | Uint32Array | Uint16Array | Uint8Array | Uint8ClampedArray;
export interface NestedArray extends Array<number | NestedArray> {}
/** A plain number is a scalar input (a ratio, a threshold). */
export type InputValue = number | tf.Tensor | TypedArray | NestedArray | PixelSource | PixelSource[];
/** One value for a single-input model; for several inputs, an array in model order or a record by name. */
export type ModelInput = InputValue | InputValue[] | Record<string, InputValue>;

/** A validated input, not yet a tensor (tensors are made on the model's backend, in the gate). */
export type Prepared =
  | { kind: 'values'; values: Float32Array | Int32Array; shape: number[]; dtype: 'float32' | 'int32'; batch: number }
  | { kind: 'tensor'; tensor: tf.Tensor; shape: number[]; batch: number }
  | { kind: 'pixels'; sources: PixelSource[]; plan: ImagePlan; batch: number };

const fmt = (s: readonly number[]) => `[${s.join(',')}]`;
const shapeError = (name: string, want: readonly number[], got: readonly number[], extra = '') =>
  new InferScopeError('INPUT_SHAPE', `input '${name}': expected ${fmt(want)} got ${fmt(got)}${extra} (-1 = any size)`);

const isTensor = (x: unknown): x is tf.Tensor => x instanceof tf.Tensor;
const isTyped = (x: unknown): x is TypedArray => ArrayBuffer.isView(x) && !(x instanceof DataView);

function nestedShape(x: NestedArray, name: string): number[] {
  const shape: number[] = [];
  let cur: unknown = x;
  while (Array.isArray(cur)) { shape.push(cur.length); cur = cur[0]; }
  if (shape.includes(0)) return shape; // empty: fitShape says so
  if (typeof cur !== 'number') throw new InferScopeError('INPUT_INVALID', `input '${name}': nested arrays must hold numbers, found ${typeof cur}`);
  return shape;
}

function flatten(x: NestedArray, shape: number[], name: string): Float64Array {
  const out = new Float64Array(shape.reduce((a, b) => a * b, 1));
  let at = 0;
  const walk = (v: unknown, depth: number) => {
    if (depth === shape.length) {
      if (Array.isArray(v)) throw new InferScopeError('INPUT_SHAPE', `input '${name}': ragged nested array (expected a number at depth ${depth})`);
      if (typeof v !== 'number') throw new InferScopeError('INPUT_INVALID', `input '${name}': element ${at} is ${v === null ? 'null' : typeof v}; nested arrays must hold numbers`);
      out[at++] = v; return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      throw new InferScopeError('INPUT_SHAPE', `input '${name}': ragged nested array (expected length ${shape[depth]} at depth ${depth}, got ${Array.isArray(v) ? v.length : typeof v})`);
    }
    for (const e of v) walk(e, depth + 1);
  };
  walk(x, 0);
  return out;
}

/** Check `got` against the model shape; a single example (rank one less) gets a batch of 1. */
function fitShape(info: TensorInfo, got: number[]): number[] {
  // A dimension of 0 is an input with no values: no model answers that, and tfjs fails in ways
  // that look like a broken backend.
  if (got.includes(0)) throw new InferScopeError('INPUT_SHAPE', `input '${info.name}': got an empty input of shape ${fmt(got)}; pass at least one example`);
  if (info.anyRank) return got;
  const want = info.shape;
  const shape = got.length === want.length - 1 && want[0] === -1 ? [1, ...got] : got;
  if (shape.length !== want.length || want.some((d, i) => d !== -1 && d !== shape[i])) throw shapeError(info.name, want, got);
  return shape;
}

/** Shape of a flat typed array: free dims other than the batch must be given by the spec. */
function flatShape(info: TensorInfo, length: number, spec?: InputSpec): number[] {
  if (length === 0) return fitShape(info, [0]);
  if (info.anyRank) return spec && spec.shape.reduce((a, b) => a * b, 1) === length ? spec.shape : [length];
  const want = spec?.shape?.length === info.shape.length ? info.shape.map((d, i) => (d === -1 ? spec.shape[i]! : d)) : info.shape;
  // Plain loop: this runs on every predict of a typed-array input.
  let free = -1, frees = 0, known = 1;
  for (let i = 0; i < want.length; i++) {
    if (want[i] === -1) { free = i; frees++; } else known *= want[i]!;
  }
  if (frees > 1 || length % known !== 0 || (frees === 0 && length !== known)) {
    throw shapeError(info.name, info.shape, [length], ' (a flat array: pass a nested array or a tf.Tensor to give the shape)');
  }
  const shape = want.slice();
  if (free >= 0) shape[free] = length / known;
  return shape;
}

/** Options that change what prepareInputs accepts. */
export interface PrepareOptions {
  /** Accept NaN and ±Infinity (for models that expect them, e.g. NaN as "missing"). Default false. */
  allowNonFinite?: boolean;
}

/** Index of the first NaN/±Infinity in `values`, or -1. Only float arrays can hold them. */
export function firstNonFinite(values: ArrayLike<number>): number {
  // x - x is 0 for every finite number and NaN for NaN and ±Infinity: one subtraction per element.
  for (let i = 0; i < values.length; i++) { const x = values[i]!; if (x - x !== 0) return i; }
  return -1;
}

/** INPUT_INVALID naming the input and the first bad element (flat index, row-major). */
export const nonFiniteError = (name: string, values: ArrayLike<number>, at: number) =>
  new InferScopeError('INPUT_INVALID', `input '${name}': element ${at} is ${values[at]}${values[at]! - values[at]! === 0 ? ' (beyond float32 range)' : ''}; pass finite numbers, or load with { allowNonFinite: true }`);

/** `values` as the model reads them, checked for NaN/±Infinity after the conversion: a float64
 *  value beyond float32's range (1e39) only becomes Infinity there. */
function converted(values: TypedArray | Float64Array, info: TensorInfo, o: PrepareOptions): Float32Array | Int32Array {
  const isFloat = values instanceof Float32Array || values instanceof Float64Array;
  let at = o.allowNonFinite || !isFloat ? -1 : firstNonFinite(values);
  if (at >= 0) throw nonFiniteError(info.name, values, at);
  const out = toDtype(values, info.dtype, info.name);
  at = o.allowNonFinite || out === values || !(out instanceof Float32Array) ? -1 : firstNonFinite(out);
  if (at >= 0) throw nonFiniteError(info.name, values, at);
  return out;
}

function toDtype(values: TypedArray | Float64Array, dtype: tf.DataType, name: string): Float32Array | Int32Array {
  if (dtype === 'int32') {
    if (values instanceof Int32Array) return values;
    const out = new Int32Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!Number.isInteger(v)) throw new InferScopeError('INPUT_SHAPE', `input '${name}': expected int32 got a fractional value ${v} at element ${i}`);
      // Int32Array would wrap 2**31 to -2**31 without a word.
      if (v !== (v | 0)) throw new InferScopeError('INPUT_INVALID', `input '${name}': element ${i} is ${v}, outside the int32 range; pass values between -2147483648 and 2147483647`);
      out[i] = v;
    }
    return out;
  }
  if (dtype !== 'float32') throw new InferScopeError('INPUT_INVALID', `input '${name}': model input dtype ${dtype} is not supported from arrays; pass a tf.Tensor`);
  return values instanceof Float32Array ? values : new Float32Array(values); // typed-array copy, not an iterator
}

function prepareOne(value: InputValue, info: TensorInfo, spec: InputSpec | undefined, o: PrepareOptions): Prepared {
  if (typeof value === 'number') value = Float64Array.of(value);
  if (isTensor(value)) {
    if (value.isDisposed) throw disposedInput(info.name);
    const shape = fitShape(info, value.shape);
    if (value.dtype !== info.dtype) throw new InferScopeError('INPUT_SHAPE', `input '${info.name}': expected dtype ${info.dtype} got ${value.dtype}`);
    return { kind: 'tensor', tensor: value, shape, batch: shape[0] ?? 1 };
  }
  // Typed arrays first: the common case, and cheaper to rule in than a pixel source to rule out.
  if (isTyped(value)) {
    if (value instanceof BigInt64Array || value instanceof BigUint64Array) throw new InferScopeError('INPUT_INVALID', `input '${info.name}': got a ${(value as ArrayBufferView).constructor.name}; pass a Float32Array or Int32Array (BigInt values are not supported)`);
    const shape = flatShape(info, value.length, spec);
    return { kind: 'values', values: converted(value, info, o), shape, dtype: info.dtype as 'float32' | 'int32', batch: shape[0] ?? 1 };
  }
  if (isPixelSource(value) || (Array.isArray(value) && value.length > 0 && isPixelSource(value[0]))) {
    const sources = (Array.isArray(value) ? value : [value]) as PixelSource[];
    const plan = imagePlan(info.shape, info.dtype, spec);
    if (typeof plan === 'string') throw new InferScopeError('INPUT_INVALID', `input '${info.name}': got an image but ${plan}`);
    for (const s of sources) { const bad = pixelProblem(s); if (bad) throw new InferScopeError('INPUT_INVALID', `input '${info.name}': ${bad}`); }
    return { kind: 'pixels', sources, plan, batch: sources.length };
  }
  if (Array.isArray(value)) {
    const got = nestedShape(value as NestedArray, info.name);
    const shape = fitShape(info, got);
    const flat = flatten(value as NestedArray, got, info.name);
    return { kind: 'values', values: converted(flat, info, o), shape, dtype: info.dtype as 'float32' | 'int32', batch: shape[0] ?? 1 };
  }
  throw new InferScopeError('INPUT_INVALID', `input '${info.name}': unsupported value (${Object.prototype.toString.call(value)}); pass a typed array, nested array, tf.Tensor or image`);
}

const disposedInput = (name: string) =>
  new InferScopeError('INPUT_INVALID', `input '${name}': the tf.Tensor was disposed; keep it alive until predict() resolves`);

/**
 * Validate and normalize the caller's input against the model's inputs (host side, no tensors).
 * The one gate every input passes (direct mode, and the worker side of worker mode): whatever it
 * lets through must make tensors without error, because an error past it is taken for a broken
 * backend and moves the model. What the caller's own objects throw (getters, proxies) is theirs:
 * INPUT_INVALID, not PREDICT_FAILED.
 */
export function prepareInputs(input: ModelInput, infos: TensorInfo[], specs: InputSpec[] = [], o: PrepareOptions = {}): Prepared[] {
  try { return prepareAll(input, infos, specs, o); } catch (err) {
    if (isInferScopeError(err)) throw err;
    throw new InferScopeError('INPUT_INVALID', `the input could not be read (${String((err as Error)?.message ?? err).slice(0, 120)}); pass a typed array, nested array, tf.Tensor or image`, { cause: err });
  }
}

function prepareAll(input: ModelInput, infos: TensorInfo[], specs: InputSpec[], o: PrepareOptions): Prepared[] {
  const specFor = (info: TensorInfo, i: number) => specs.find((s) => s.name === info.name) ?? (specs.length === infos.length ? specs[i] : undefined);
  if (infos.length === 1) return [prepareOne(input as InputValue, infos[0]!, specFor(infos[0]!, 0), o)];
  let values: InputValue[];
  if (Array.isArray(input) && input.length === infos.length) values = input as InputValue[];
  else if (input != null && typeof input === 'object' && !isTensor(input) && !isTyped(input) && !isPixelSource(input) && !Array.isArray(input)) {
    const rec = input as Record<string, InputValue>;
    const missing = infos.filter((i) => !(i.name in rec)).map((i) => i.name);
    if (missing.length) throw new InferScopeError('INPUT_INVALID', `missing input(s) ${missing.join(', ')}; the model takes ${infos.map((i) => i.name).join(', ')}`);
    values = infos.map((i) => rec[i.name]!);
  } else {
    throw new InferScopeError('INPUT_INVALID', `the model takes ${infos.length} inputs (${infos.map((i) => i.name).join(', ')}); pass an array of ${infos.length} values or a record by name`);
  }
  return values.map((v, i) => prepareOne(v, infos[i]!, specFor(infos[i]!, i), o));
}

/** Make tensors on the engine's current backend. Returns them plus the ones the SDK owns. */
export function materialize(prepared: Prepared[], infos?: TensorInfo[]): { tensors: tf.Tensor[]; owned: tf.Tensor[] } {
  // The caller may dispose a tensor after predict() was called but before the gate ran it
  // (tf.tidy around a queued predict): checked here, before anything is made, so nothing leaks.
  prepared.forEach((p, i) => { if (p.kind === 'tensor' && p.tensor.isDisposed) throw disposedInput(infos?.[i]?.name ?? String(i)); });
  const tensors: tf.Tensor[] = [];
  const owned: tf.Tensor[] = [];
  try {
    for (const p of prepared) {
      const t = toTensor(p);
      if (t !== (p as { tensor?: tf.Tensor }).tensor) owned.push(t);
      tensors.push(t);
    }
  } catch (err) { for (const t of owned) t.dispose(); throw err; } // no half-made inputs left behind
  return { tensors, owned };
}

function toTensor(p: Prepared): tf.Tensor {
  if (p.kind === 'tensor') return p.shape.length === p.tensor.rank ? p.tensor : tf.reshape(p.tensor, p.shape);
  if (p.kind === 'values') return tf.tensor(p.values, p.shape, p.dtype);
  return p.sources.length === 1
    ? pixelsToTensor(p.sources[0]!, p.plan)
    : tf.tidy(() => tf.concat(p.sources.map((s) => pixelsToTensor(s, p.plan)), 0));
}

const checked = (p: Prepared): p is Prepared & { kind: 'tensor' } => p.kind === 'tensor' && p.tensor.dtype === 'float32';

/**
 * Tensors the caller passed are not read on the host before the run (that would cost a GPU round
 * trip). Instead a tiny reduction runs with the model, and its flags (one per float tensor input)
 * are read together with the outputs. null when no input needs it. Call in the gate, after materialize().
 */
export function nonFiniteProbe(prepared: Prepared[], tensors: tf.Tensor[], o: PrepareOptions): tf.Tensor | null {
  const ts = o.allowNonFinite ? [] : tensors.filter((_, i) => checked(prepared[i]!));
  return ts.length ? tf.tidy(() => tf.stack(ts.map((t) => tf.any(tf.logicalNot(tf.isFinite(t)))))) : null;
}

/** Throws INPUT_INVALID if the probe found a NaN/±Infinity; disposes the probe. */
export async function checkProbe(probe: tf.Tensor, prepared: Prepared[], infos: TensorInfo[]): Promise<void> {
  let flags: ArrayLike<number>;
  try { flags = await probe.data() as ArrayLike<number>; } finally { probe.dispose(); }
  const i = Array.prototype.findIndex.call(flags, Boolean);
  const p = prepared.filter(checked)[i];
  if (p) { // rare path: only now read the input, to say where
    const values = await p.tensor.data() as Float32Array;
    throw nonFiniteError(infos[prepared.indexOf(p)]!.name, values, firstNonFinite(values));
  }
}
