// Strict validator for telemetry Batch v1 (wire-types.ts). The collector runs it on
// every body before anything is stored: unknown fields, unknown enum values and
// absurd numbers (negative, NaN, oversized sketches) are refused with the path of the
// first bad field, so a client author can see exactly what to fix. Isomorphic.
import type { Batch } from './wire-types.js';
import { CODE_RE, ID_RE, MODEL_ID_MAX, NAME_MAX, VERSION_RE, personalShape } from './name-rules.js';
import { SKETCH_ALPHA, SKETCH_MIN_VALUE } from './sketch-core.js';

/** Bounds on what one batch may carry; generous for real clients, tight for abuse. */
export const WIRE_LIMITS = Object.freeze({
  models: 64,
  loads: 256,
  sketchBuckets: 2048,
  mapKeys: 1024,
  features: 512,
  featureBins: 1001,
  confusionCells: 10_000,
  fallbacks: 16,
  maxCount: 1e12,
  /** Counts scaled by 1/sampleRate stay below this (exact integers in a double). */
  maxScaledCount: 1e15,
  minSampleRate: 1e-6,
  /** Largest value a sketch may hold (ms: a bit over 2.7 hours). */
  maxSketchValue: 1e7,
  /** Longest name (map key, label) on the wire; the collector stores at most NAME_MAX of them. */
  maxNameLength: 128,
  maxWindowMs: 7 * 24 * 3600_000,
});

export const BACKENDS = ['webgpu', 'wasm', 'webgl', 'cpu'] as const;
export const VARIANTS = ['stable', 'candidate', 'direct'] as const;
export const DEVICES = ['desktop', 'mobile', 'tablet', 'server', 'unknown'] as const;
export const LOAD_SOURCES = ['network', 'cache', 'memory'] as const;
export const VITALS = ['LCP', 'INP', 'CLS', 'FCP', 'TTFB'] as const;

export type WireResult = { ok: true; batch: Batch } | { ok: false; field: string; message: string };

class Invalid extends Error {
  constructor(readonly field: string, message: string) { super(message); }
}

const FAMILY = /^[a-z][a-z0-9_-]{0,23}$/;
const BATCH_ID = /^[A-Za-z0-9_-]{16,64}$/;
/** Longest excerpt of a client's value an error message repeats (a refusal must stay small). */
export const ECHO_MAX = 120;
// Sketch bucket indexes a valid sketch can use: gamma^i spans (SKETCH_MIN_VALUE, maxSketchValue].
const LOG_GAMMA = Math.log((1 + SKETCH_ALPHA) / (1 - SKETCH_ALPHA));
const MIN_BUCKET = Math.floor(Math.log(SKETCH_MIN_VALUE) / LOG_GAMMA);
const MAX_BUCKET = Math.ceil(Math.log(WIRE_LIMITS.maxSketchValue) / LOG_GAMMA);

/** A short, printable excerpt of a client value for an error message. */
export function excerpt(v: unknown): string {
  let t: string;
  try { t = typeof v === 'string' ? JSON.stringify(v) : typeof v === 'number' ? String(v) : JSON.stringify(v) ?? String(v); } catch { t = Object.prototype.toString.call(v); }
  return t.length > ECHO_MAX ? `${t.slice(0, ECHO_MAX)}…(${t.length} characters)` : t;
}

type Obj = Record<string, unknown>;

// Field lists are built once (a Set per object kind), not as array literals per call.
interface Shape { required: readonly string[]; allowed: ReadonlySet<string>; list: string }
function shape(required: readonly string[], optional: readonly string[] = []): Shape {
  return { required, allowed: new Set([...required, ...optional]), list: [...required, ...optional].join(', ') };
}
const SKETCH = shape(['alpha', 'offset', 'counts', 'zeros', 'count', 'sum', 'min', 'max']);
const MODEL = shape(['model', 'version', 'backend', 'variant', 'predictions', 'errors', 'latency', 'scores', 'classes'], ['features', 'outOfRange', 'confusion', 'importance']);
const IMPORTANCE = shape(['sum', 'n']);
const LOAD = shape(['model', 'version', 'variant', 'backend', 'source', 'bytes', 'ms', 'fallbacks', 'count'], ['error', 'candidateFallback']);
const FALLBACK = shape(['backend', 'reason']);
const BATCH = shape(['v', 'batchId', 'sdk', 'sentAt', 'window', 'sampleRate', 'client', 'models', 'loads', 'dropped'], ['appKey', 'dp', 'cache', 'vitals']);
const WINDOW = shape(['start', 'end']);
const DP = shape(['epsilon']);
const CLIENT = shape(['browser', 'browserMajor', 'os', 'device'], ['installHash']);
const CACHE = shape(['hit', 'miss', 'evicted', 'unavailable', 'integrityFailures']);
const VITALS_SHAPE = shape([], VITALS);
const DROPPED = shape(['queue', 'outbox']);

function object(v: unknown, path: string, s: Shape): Obj {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Invalid(path, `${path} must be an object`);
  const o = v as Obj;
  for (const k in o) {
    // for-in without a key array; inherited keys are skipped, as Object.keys would.
    if (!s.allowed.has(k) && Object.hasOwn(o, k)) {
      const p = /^[A-Za-z_]\w{0,40}$/.test(k) ? `${path}.${k}` : keyPath(path, k); // a long or odd key is only excerpted
      throw new Invalid(p, `unknown field ${p} (allowed: ${s.list})`);
    }
  }
  for (const k of s.required) if (o[k] === undefined) throw new Invalid(`${path}.${k}`, `${path}.${k} is required`);
  return o;
}

// JSON.parse turns 1e400 into Infinity, which JSON.stringify would print as null: say what happened.
function notFinite(v: unknown, path: string, what: string): Invalid {
  return typeof v === 'number'
    ? new Invalid(path, `${path} is out of range (${v}): ${what}`)
    : new Invalid(path, `${path} must be ${what}, got ${excerpt(v)}`);
}

function count(v: unknown, path: string, integer: boolean): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw notFinite(v, path, `a finite number in [0, ${WIRE_LIMITS.maxCount}]`);
  if (v < 0) throw new Invalid(path, `${path} must be >= 0, got ${v}`);
  if (v > WIRE_LIMITS.maxCount) throw new Invalid(path, `${path} is absurdly large (${v} > ${WIRE_LIMITS.maxCount})`);
  if (integer && !Number.isInteger(v)) throw new Invalid(path, `${path} must be an integer, got ${v}`);
  return v;
}

/** Fast check for hot loops; count() then builds the message (and path) only on failure. */
function isCount(v: unknown, integer: boolean): v is number {
  return typeof v === 'number' && v >= 0 && v <= WIRE_LIMITS.maxCount && (integer ? Number.isInteger(v) : Number.isFinite(v));
}

function counts(arr: unknown[], path: string, integer: boolean): number {
  let total = 0;
  for (let i = 0; i < arr.length; i++) {
    const c = arr[i];
    total += isCount(c, integer) ? c : count(c, `${path}[${i}]`, integer);
  }
  return total;
}

function num(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw notFinite(v, path, `a number in [${min}, ${max}]`);
  if (v < min || v > max) throw new Invalid(path, `${path} must be a number in [${min}, ${max}], got ${v}`);
  return v;
}

function str(v: unknown, path: string, re: RegExp, what: string): string {
  if (typeof v !== 'string' || !re.test(v)) throw new Invalid(path, `${path} must be ${what}, got ${excerpt(v)}`);
  return v;
}

/** Ids and versions are stored (and become /metrics labels): no shape that identifies a person. */
function name(v: unknown, path: string, re: RegExp, what: string): string {
  const s = str(v, path, re, what);
  const why = personalShape(s);
  if (why) throw new Invalid(path, `${path} may not contain ${why} (it could identify a person), got ${excerpt(s)}`);
  return s;
}

function text(v: unknown, path: string, max: number): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > max) throw new Invalid(path, `${path} must be a non-empty string of at most ${max} characters, got ${excerpt(v)}`);
  return v;
}

function oneOf<T extends string>(v: unknown, path: string, values: readonly T[]): T {
  if (typeof v !== 'string' || !values.includes(v as T)) throw new Invalid(path, `${path} must be one of ${values.join(', ')}, got ${excerpt(v)}`);
  return v as T;
}

function array(v: unknown, path: string, max: number, min = 0): unknown[] {
  if (!Array.isArray(v)) throw new Invalid(path, `${path} must be an array`);
  if (v.length > max) throw new Invalid(path, `${path} has ${v.length} entries; at most ${max} are allowed`);
  if (v.length < min) throw new Invalid(path, `${path} needs at least ${min} entries`);
  return v;
}

const keyPath = (path: string, k: string) => `${path}[${excerpt(k)}]`;

function record(v: unknown, path: string, max: number, each: (value: unknown, path: string, key: string) => void, keyRe?: RegExp): void {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Invalid(path, `${path} must be an object`);
  const o = v as Obj;
  const keys = Object.keys(o);
  if (keys.length > max) throw new Invalid(path, `${path} has ${keys.length} keys; at most ${max} are allowed`);
  for (const k of keys) {
    // Any name is safe to carry (the collector keeps names in null-prototype maps); only the size is checked here.
    if (keyRe ? !keyRe.test(k) : k.length === 0 || k.length > WIRE_LIMITS.maxNameLength) {
      throw new Invalid(keyPath(path, k), `${path} has an invalid key ${excerpt(k)} (${keyRe ? 'UPPER_SNAKE_CASE code' : `1-${WIRE_LIMITS.maxNameLength} characters`})`);
    }
    each(o[k], path, k);
  }
}

/** A record of counts (the common case), checked without building paths. */
function countRecord(v: unknown, path: string, max: number, exact: boolean, keyRe?: RegExp): void {
  record(v, path, max, exact ? exactCount : anyCount, keyRe);
}
function exactCount(c: unknown, path: string, k: string): void { if (!isCount(c, true)) count(c, keyPath(path, k), true); }
function anyCount(c: unknown, path: string, k: string): void { if (!isCount(c, false)) count(c, keyPath(path, k), false); }

// Fast checks for the entries of a batch's larger maps and lists: a path (and an excerpt of
// the key) is built only when an entry fails, by the slow checks that then say why.
function allCounts(arr: unknown[], integer: boolean): boolean {
  for (let i = 0; i < arr.length; i++) if (!isCount(arr[i], integer)) return false;
  return true;
}
function binsOk(bins: unknown, integer: boolean): boolean {
  return Array.isArray(bins) && bins.length >= 1 && bins.length <= WIRE_LIMITS.featureBins && allCounts(bins, integer);
}
function bins(v: unknown, path: string, k: string, integer: boolean): void {
  if (binsOk(v, integer)) return;
  const p = keyPath(path, k);
  counts(array(v, p, WIRE_LIMITS.featureBins, 1), p, integer);
}
function exactBins(v: unknown, path: string, k: string): void { bins(v, path, k, true); }
function anyBins(v: unknown, path: string, k: string): void { bins(v, path, k, false); }
const isLabel = (v: unknown) => typeof v === 'string' && v.length > 0 && v.length <= WIRE_LIMITS.maxNameLength;
function isCell(cell: unknown, integer: boolean): boolean {
  return Array.isArray(cell) && cell.length === 3 && isLabel(cell[0]) && isLabel(cell[1]) && isCount(cell[2], integer);
}
function isImportance(e: unknown, integer: boolean): boolean {
  if (e === null || typeof e !== 'object' || Array.isArray(e)) return false;
  let keys = 0;
  for (const k in e) { if (!Object.hasOwn(e, k)) continue; if (k !== 'sum' && k !== 'n') return false; keys++; }
  const o = e as Obj;
  return keys === 2 && isCount(o.sum, false) && isCount(o.n, integer);
}

function sketch(v: unknown, path: string, exact: boolean): void {
  const s = object(v, path, SKETCH);
  // One accuracy for every client: sketches with another alpha cannot be merged exactly.
  if (s.alpha !== SKETCH_ALPHA) throw new Invalid(`${path}.alpha`, `${path}.alpha must be ${SKETCH_ALPHA} (the collector's sketch accuracy), got ${excerpt(s.alpha)}`);
  const buckets = array(s.counts, `${path}.counts`, WIRE_LIMITS.sketchBuckets);
  if (!Number.isInteger(s.offset) || (s.offset as number) < MIN_BUCKET || (s.offset as number) + buckets.length - 1 > MAX_BUCKET) {
    throw new Invalid(`${path}.offset`, `${path}.offset and counts must stay within buckets ${MIN_BUCKET}..${MAX_BUCKET} (values up to ${WIRE_LIMITS.maxSketchValue}), got offset ${excerpt(s.offset)} with ${buckets.length} counts`);
  }
  const total = count(s.zeros, `${path}.zeros`, exact) + counts(buckets, `${path}.counts`, exact);
  const n = count(s.count, `${path}.count`, exact);
  if (exact && Math.abs(total - n) > 1e-6 * Math.max(1, n)) throw new Invalid(`${path}.count`, `${path}.count (${n}) does not equal zeros + sum(counts) (${total})`);
  count(s.sum, `${path}.sum`, false);
  const min = count(s.min, `${path}.min`, false);
  const max = count(s.max, `${path}.max`, false);
  if (max > WIRE_LIMITS.maxSketchValue) throw new Invalid(`${path}.max`, `${path}.max must be at most ${WIRE_LIMITS.maxSketchValue}, got ${max}`);
  if (min > max) throw new Invalid(`${path}.min`, `${path}.min (${min}) is greater than max (${max})`);
}

const ID_WHAT = `a model id (letters, digits, . _ -; at most ${MODEL_ID_MAX})`;
const VERSION_WHAT = `a version (letters, digits, . _ - +; at most ${NAME_MAX})`;

/** Counts the collector multiplies by 1/sampleRate must stay exact after scaling. */
function scaled(n: number, rate: number, path: string): void {
  if (n / rate > WIRE_LIMITS.maxScaledCount) throw new Invalid(path, `${path} / sampleRate is out of range (${n} / ${rate} > ${WIRE_LIMITS.maxScaledCount})`);
}

function modelAggregate(v: unknown, path: string, exact: boolean, rate: number): void {
  const m = object(v, path, MODEL);
  name(m.model, `${path}.model`, ID_RE, ID_WHAT);
  name(m.version, `${path}.version`, VERSION_RE, VERSION_WHAT);
  oneOf(m.backend, `${path}.backend`, BACKENDS);
  oneOf(m.variant, `${path}.variant`, VARIANTS);
  scaled(count(m.predictions, `${path}.predictions`, exact), rate, `${path}.predictions`);
  countRecord(m.errors, `${path}.errors`, 64, exact, CODE_RE);
  const errors = m.errors as Record<string, number>;
  for (const k of Object.keys(errors)) if (errors[k]! / rate > WIRE_LIMITS.maxScaledCount) scaled(errors[k]!, rate, keyPath(`${path}.errors`, k));
  sketch(m.latency, `${path}.latency`, exact);
  const scores = array(m.scores, `${path}.scores`, 10);
  if (scores.length !== 0 && scores.length !== 10) throw new Invalid(`${path}.scores`, `${path}.scores must have 10 bins (or be empty), got ${scores.length}`);
  counts(scores, `${path}.scores`, exact);
  countRecord(m.classes, `${path}.classes`, WIRE_LIMITS.mapKeys, exact);
  if (m.features !== undefined) {
    record(m.features, `${path}.features`, WIRE_LIMITS.features, exact ? exactBins : anyBins);
  }
  if (m.outOfRange !== undefined) countRecord(m.outOfRange, `${path}.outOfRange`, WIRE_LIMITS.features, exact);
  if (m.confusion !== undefined) {
    array(m.confusion, `${path}.confusion`, WIRE_LIMITS.confusionCells).forEach((cell, i) => {
      if (isCell(cell, exact)) return;
      const p = `${path}.confusion[${i}]`;
      const c = array(cell, p, 3, 3);
      text(c[0], `${p}[0]`, WIRE_LIMITS.maxNameLength);
      text(c[1], `${p}[1]`, WIRE_LIMITS.maxNameLength);
      count(c[2], `${p}[2]`, exact);
    });
  }
  if (m.importance !== undefined) {
    record(m.importance, `${path}.importance`, WIRE_LIMITS.features, (e, ip, k) => {
      if (isImportance(e, exact)) return;
      const p = keyPath(ip, k);
      const o = object(e, p, IMPORTANCE);
      count(o.sum, `${p}.sum`, false);
      count(o.n, `${p}.n`, exact);
    });
  }
}

function loadRecord(v: unknown, path: string): void {
  const l = object(v, path, LOAD);
  name(l.model, `${path}.model`, ID_RE, ID_WHAT);
  name(l.version, `${path}.version`, VERSION_RE, VERSION_WHAT);
  oneOf(l.variant, `${path}.variant`, VARIANTS);
  if (l.backend !== null) oneOf(l.backend, `${path}.backend`, BACKENDS);
  oneOf(l.source, `${path}.source`, LOAD_SOURCES);
  count(l.bytes, `${path}.bytes`, true);
  num(l.ms, `${path}.ms`, 0, 3_600_000);
  array(l.fallbacks, `${path}.fallbacks`, WIRE_LIMITS.fallbacks).forEach((f, i) => {
    const o = object(f, `${path}.fallbacks[${i}]`, FALLBACK);
    oneOf(o.backend, `${path}.fallbacks[${i}].backend`, BACKENDS);
    text(o.reason, `${path}.fallbacks[${i}].reason`, 200);
  });
  if (l.error !== undefined) str(l.error, `${path}.error`, CODE_RE, 'an error code (UPPER_SNAKE_CASE)');
  if (l.candidateFallback !== undefined) text(l.candidateFallback, `${path}.candidateFallback`, 200);
  if (count(l.count, `${path}.count`, true) < 1) throw new Invalid(`${path}.count`, `${path}.count must be >= 1`);
}

function batch(v: unknown): void {
  const b = object(v, 'batch', BATCH);
  if (b.v !== 1) throw new Invalid('batch.v', `batch.v must be 1 (this collector speaks wire format v1), got ${JSON.stringify(b.v)}`);
  str(b.batchId, 'batch.batchId', BATCH_ID, '16 to 64 characters of [A-Za-z0-9_-]');
  if (b.appKey !== undefined) text(b.appKey, 'batch.appKey', 128);
  text(b.sdk, 'batch.sdk', 64);
  num(b.sentAt, 'batch.sentAt', 0, 1e14);
  const w = object(b.window, 'batch.window', WINDOW);
  const start = num(w.start, 'batch.window.start', 0, 1e14);
  const end = num(w.end, 'batch.window.end', 0, 1e14);
  if (end < start) throw new Invalid('batch.window.end', 'batch.window.end is before batch.window.start');
  if (end - start > WIRE_LIMITS.maxWindowMs) throw new Invalid('batch.window', 'batch.window spans more than 7 days');
  // Counts are scaled by 1/sampleRate: a tiny rate would blow them up to Infinity.
  const rate = num(b.sampleRate, 'batch.sampleRate', WIRE_LIMITS.minSampleRate, 1);
  if (b.dp !== undefined) num(object(b.dp, 'batch.dp', DP).epsilon, 'batch.dp.epsilon', 1e-6, 1000);
  // Local DP noise makes counts fractional and sketch totals inexact; without it, counts are whole.
  const exact = b.dp === undefined;
  const c = object(b.client, 'batch.client', CLIENT);
  str(c.browser, 'batch.client.browser', FAMILY, 'a browser family in lower case');
  num(c.browserMajor, 'batch.client.browserMajor', 0, 100_000);
  if (!Number.isInteger(c.browserMajor)) throw new Invalid('batch.client.browserMajor', 'batch.client.browserMajor must be an integer');
  str(c.os, 'batch.client.os', FAMILY, 'an OS family in lower case');
  oneOf(c.device, 'batch.client.device', DEVICES);
  if (c.installHash !== undefined) str(c.installHash, 'batch.client.installHash', /^[0-9a-f]{16}$/, '16 lowercase hex characters');
  array(b.models, 'batch.models', WIRE_LIMITS.models).forEach((m, i) => modelAggregate(m, `batch.models[${i}]`, exact, rate));
  array(b.loads, 'batch.loads', WIRE_LIMITS.loads).forEach((l, i) => loadRecord(l, `batch.loads[${i}]`));
  if (b.cache !== undefined) {
    const cc = object(b.cache, 'batch.cache', CACHE);
    for (const k of Object.keys(cc)) count(cc[k], `batch.cache.${k}`, true);
  }
  if (b.vitals !== undefined) {
    const vt = object(b.vitals, 'batch.vitals', VITALS_SHAPE);
    for (const k of Object.keys(vt)) sketch(vt[k], `batch.vitals.${k}`, exact);
  }
  const d = object(b.dropped, 'batch.dropped', DROPPED);
  count(d.queue, 'batch.dropped.queue', true);
  count(d.outbox, 'batch.dropped.outbox', true);
}

/**
 * Check that `input` (parsed JSON) is a valid Batch v1. Never throws.
 * @example
 * const r = validateBatch(JSON.parse(body));
 * if (!r.ok) reply.code(400).send({ error: { field: r.field, message: r.message } });
 */
export function validateBatch(input: unknown): WireResult {
  try {
    batch(input);
    return { ok: true, batch: input as Batch };
  } catch (err) {
    if (err instanceof Invalid) return { ok: false, field: err.field, message: err.message };
    // Only a pathological input (e.g. a getter) lands here; still a refusal, never a crash.
    return { ok: false, field: 'batch', message: `batch could not be validated: ${String((err as Error)?.message ?? err).slice(0, ECHO_MAX)}` };
  }
}
