// Batches become deltas of time-bucketed aggregates; aggregates merge by addition.
// We store aggregates, never events: one row per (app, model, version, backend,
// variant, minute) plus one page-level row per (app, model, minute) holding what a
// batch says about the page (web vitals, dropped counts, cache, client families).
import { Sketch } from '../protocol/sketch.js';
import type { Batch, CacheCounts, LoadRecord, ModelAggregate, SketchJSON } from '../protocol/wire-types.js';

export const MINUTE = 60_000;

// Every map below is keyed by names a client chose ("toString", "__proto__", ...). Plain
// objects would read inherited members for such keys and write through the __proto__
// setter, so maps are null-prototype objects (they still serialize as plain JSON), and a
// state parsed back from the database is converted before anything is added to it.
export type Dict<T> = Record<string, T>;
/** An empty null-prototype map. */
export const dict = <T>(): Dict<T> => Object.create(null) as Dict<T>;
/** `o` if it already has no prototype, else a null-prototype copy of its own entries. */
export function asDict<T>(o: Dict<T> | null | undefined): Dict<T> {
  if (o && Object.getPrototypeOf(o) === null) return o;
  const d = dict<T>();
  if (o) for (const k of Object.keys(o)) d[k] = o[k]!;
  return d;
}

export interface RowKey {
  app: string;
  model: string;
  /** '' on page-level rows. */
  version: string;
  /** A backend name, 'none' for loads that failed before choosing one, '' on page-level rows. */
  backend: string;
  /** '' on page-level rows. */
  variant: string;
  /** Start of the minute, ms since epoch. */
  minute: number;
}

export interface LoadState {
  count: number;
  failed: number;
  bytes: number;
  ms: SketchJSON | null;
  source: Record<string, number>;
  errors: Record<string, number>;
  /** "backend reason" -> count. */
  fallbacks: Record<string, number>;
  candidateFallbacks: Record<string, number>;
}

export interface AggState {
  batches: number;
  /** Predictions as counted by the collector: recorded / sampleRate. */
  predictions: number;
  /** Predictions the clients recorded (before scaling). */
  sampled: number;
  /** Errors by code, scaled like predictions. */
  errors: Record<string, number>;
  latency: SketchJSON | null;
  scores: number[];
  classes: Record<string, number>;
  features: Record<string, number[]>;
  /** Per feature, recorded inputs outside the training range (absent in rows written before it existed). */
  outOfRange?: Record<string, number>;
  /** JSON.stringify([predicted, actual]) -> count. */
  confusion: Record<string, number>;
  importance: Record<string, { sum: number; n: number }>;
  loads: LoadState | null;
  // Page-level rows only.
  vitals?: Record<string, SketchJSON>;
  dropped?: { queue: number; outbox: number };
  cache?: CacheCounts;
  clients?: Record<string, number>;
  /** Names folded into "other" (cardinality cap or a name that may not be stored), by kind. */
  folded?: Record<string, number>;
}

export interface RowDelta { key: RowKey; state: AggState }

export function emptyState(): AggState {
  return { batches: 0, predictions: 0, sampled: 0, errors: dict(), latency: null, scores: [], classes: dict(), features: dict(), confusion: dict(), importance: dict(), loads: null };
}

export function keyString(k: RowKey): string {
  return `${k.app}\u0000${k.model}\u0000${k.version}\u0000${k.backend}\u0000${k.variant}\u0000${k.minute}`;
}

/** Total order used to lock rows, so concurrent writers never deadlock. */
export function compareKeys(a: RowKey, b: RowKey): number {
  const sa = keyString(a);
  const sb = keyString(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** `into` must be a null-prototype map (see dict); `from` may be any parsed object. */
function addMap(into: Record<string, number>, from: Record<string, number> | undefined, scale = 1): void {
  if (!from) return;
  for (const k of Object.keys(from)) into[k] = (into[k] ?? 0) + from[k]! * scale;
}

function addArray(into: number[], from: readonly number[]): number[] {
  if (into.length === 0) return from.slice(); // the usual case in a fresh delta: one copy
  const out = into.length >= from.length ? into : [...into, ...new Array<number>(from.length - into.length).fill(0)];
  for (let i = 0; i < from.length; i++) out[i] = (out[i] ?? 0) + from[i]!;
  return out;
}

const MAX_SKETCH_BUCKETS = 2048;

// A merged copy, computed on the wire form in one pass (one array, no Sketch objects):
// the same sums Sketch.merge makes. Spans wider than a sketch may hold go through Sketch,
// which knows how to collapse the lowest buckets.
function mergeSketch(a: SketchJSON | null | undefined, b: SketchJSON | null | undefined): SketchJSON | null {
  if (!b || b.count === 0) return a ?? null;
  if (!a || a.count === 0) return b;
  // Another accuracy cannot merge exactly (the validator admits only SKETCH_ALPHA; this guards
  // rows written before it did): keep what the row holds, never replace it.
  if (Math.abs(a.alpha - b.alpha) > 1e-12) return a;
  const lo = Math.min(a.offset, b.offset);
  const hi = Math.max(a.offset + a.counts.length, b.offset + b.counts.length);
  if (hi - lo > MAX_SKETCH_BUCKETS) return Sketch.fromJSON(a).merge(b).toJSON();
  const counts = new Array<number>(hi - lo).fill(0);
  for (let j = 0; j < a.counts.length; j++) counts[a.offset - lo + j] += a.counts[j]!;
  for (let j = 0; j < b.counts.length; j++) counts[b.offset - lo + j] += b.counts[j]!;
  let first = 0;
  let end = counts.length;
  while (first < end && counts[first] === 0) first++;
  while (end > first && counts[end - 1] === 0) end--;
  return {
    alpha: a.alpha, offset: end > first ? lo + first : 0, counts: first > 0 || end < counts.length ? counts.slice(first, end) : counts,
    zeros: a.zeros + b.zeros, count: a.count + b.count, sum: a.sum + b.sum, min: Math.min(a.min, b.min), max: Math.max(a.max, b.max),
  };
}

const add = (into: Record<string, number>, k: string, n: number) => { into[k] = (into[k] ?? 0) + n; };

function emptyLoads(): LoadState {
  return { count: 0, failed: 0, bytes: 0, ms: null, source: dict(), errors: dict(), fallbacks: dict(), candidateFallbacks: dict() };
}

// Merges never mutate `b` or anything reachable from it (sketches are replaced, never
// edited in place), so a delta can be merged again if a transaction is retried.
function mergeLoads(a: LoadState | null, b: LoadState | null, sketches = true): LoadState | null {
  if (!b) return a;
  if (!a) a = emptyLoads();
  a.source = asDict(a.source);
  a.errors = asDict(a.errors);
  a.fallbacks = asDict(a.fallbacks);
  a.candidateFallbacks = asDict(a.candidateFallbacks);
  a.count += b.count;
  a.failed += b.failed;
  a.bytes += b.bytes;
  if (sketches) a.ms = mergeSketch(a.ms, b.ms);
  addMap(a.source, b.source);
  addMap(a.errors, b.errors);
  addMap(a.fallbacks, b.fallbacks);
  addMap(a.candidateFallbacks, b.candidateFallbacks);
  return a;
}

/** Fold `b` into `a` (mutates and returns `a`). Addition only, so merge order never matters. */
export function mergeState(a: AggState, b: AggState): AggState {
  return mergeFields(a, b, true);
}

// With `sketches` false every field but the sketches (latency, loads.ms, vitals) is merged;
// combineStates adds those afterwards, each in one pass over all the states.
function mergeFields(a: AggState, b: AggState, sketches: boolean): AggState {
  a.errors = asDict(a.errors);
  a.classes = asDict(a.classes);
  a.features = asDict(a.features);
  a.confusion = asDict(a.confusion);
  a.importance = asDict(a.importance);
  a.batches += b.batches;
  a.predictions += b.predictions;
  a.sampled += b.sampled;
  addMap(a.errors, b.errors);
  if (sketches) a.latency = mergeSketch(a.latency, b.latency);
  a.scores = addArray(a.scores, b.scores);
  addMap(a.classes, b.classes);
  for (const f of Object.keys(b.features)) a.features[f] = addArray(a.features[f] ?? [], b.features[f]!);
  if (b.outOfRange) addMap((a.outOfRange = asDict(a.outOfRange)), b.outOfRange);
  addMap(a.confusion, b.confusion);
  for (const f of Object.keys(b.importance)) {
    const cur = (a.importance[f] ??= { sum: 0, n: 0 });
    cur.sum += b.importance[f]!.sum;
    cur.n += b.importance[f]!.n;
  }
  a.loads = mergeLoads(a.loads, b.loads, sketches);
  if (b.vitals) {
    a.vitals = asDict(a.vitals);
    if (sketches) for (const k of Object.keys(b.vitals)) a.vitals[k] = mergeSketch(a.vitals[k], b.vitals[k])!;
    else for (const k of Object.keys(b.vitals)) a.vitals[k] ??= null!;
  }
  if (b.dropped) {
    a.dropped ??= { queue: 0, outbox: 0 };
    a.dropped.queue += b.dropped.queue;
    a.dropped.outbox += b.dropped.outbox;
  }
  if (b.cache) {
    a.cache ??= { hit: 0, miss: 0, evicted: 0, unavailable: 0, integrityFailures: 0 };
    addMap(a.cache as unknown as Record<string, number>, b.cache as unknown as Record<string, number>);
  }
  if (b.clients) addMap((a.clients = asDict(a.clients)), b.clients);
  if (b.folded) addMap((a.folded = asDict(a.folded)), b.folded);
  return a;
}

/**
 * The sketches a left-to-right fold of mergeSketch would add, summed in one pass: one counts
 * array per result instead of one per merge (a group of 8 batches made 7 per row and sketch,
 * the largest part of combining a group, #16.9). Same sums in the same order, so the same result;
 * a span wider than a sketch may hold takes the fold itself (Sketch collapses buckets).
 */
export function mergeSketches(list: readonly (SketchJSON | null | undefined)[]): SketchJSON | null {
  // The fold keeps the first non-empty sketch and adds every later non-empty one of its accuracy.
  const use: SketchJSON[] = [];
  for (const b of list) if (b && b.count !== 0 && (use.length === 0 || Math.abs(use[0]!.alpha - b.alpha) <= 1e-12)) use.push(b);
  if (use.length <= 1) return use[0] ?? null;
  let lo = Infinity;
  let hi = -Infinity;
  for (const b of use) { lo = Math.min(lo, b.offset); hi = Math.max(hi, b.offset + b.counts.length); }
  if (hi - lo > MAX_SKETCH_BUCKETS) return use.reduce<SketchJSON | null>((a, b) => mergeSketch(a, b), null);
  const counts = new Array<number>(hi - lo).fill(0);
  const first = use[0]!;
  let { zeros, count, sum, min, max } = first;
  for (let i = 0; i < use.length; i++) {
    const b = use[i]!;
    for (let j = 0; j < b.counts.length; j++) counts[b.offset - lo + j] += b.counts[j]!;
    if (i === 0) continue;
    zeros += b.zeros; count += b.count; sum += b.sum; min = Math.min(min, b.min); max = Math.max(max, b.max);
  }
  let start = 0;
  let end = counts.length;
  while (start < end && counts[start] === 0) start++;
  while (end > start && counts[end - 1] === 0) end--;
  return { alpha: first.alpha, offset: end > start ? lo + start : 0, counts: start > 0 || end < counts.length ? counts.slice(start, end) : counts, zeros, count, sum, min, max };
}

/** The merge of `states` into a fresh state (what folding mergeState from emptyState gives). */
function combineStates(states: readonly AggState[]): AggState {
  const acc = emptyState();
  if (states.length === 1) return mergeState(acc, states[0]!);
  for (const s of states) mergeFields(acc, s, false);
  acc.latency = mergeSketches(states.map((s) => s.latency));
  if (acc.loads) acc.loads.ms = mergeSketches(states.map((s) => s.loads?.ms));
  if (acc.vitals) for (const k of Object.keys(acc.vitals)) acc.vitals[k] = mergeSketches(states.map((s) => s.vitals?.[k]))!;
  return acc;
}

/** Merge deltas that share a key (never mutating them); the result is sorted in lock order. */
export function combineDeltas(deltas: Iterable<RowDelta>): RowDelta[] {
  const byKey = new Map<string, { key: RowKey; states: AggState[] }>();
  for (const d of deltas) {
    const k = keyString(d.key);
    const g = byKey.get(k);
    if (g) g.states.push(d.state);
    else byKey.set(k, { key: d.key, states: [d.state] });
  }
  // The default sort compares UTF-16 code units, as compareKeys does: the same lock order,
  // without building two key strings per comparison.
  return [...byKey.keys()].sort().map((k) => {
    const g = byKey.get(k)!;
    return { key: g.key, state: combineStates(g.states) };
  });
}

/**
 * How the names of one batch are stored (name-policy.ts batchNames): each call maps one
 * client-chosen name and counts it against its stored model when it folds. Called while the
 * rows are built, in the order the batch lists the names (the caps admit first come, first kept).
 */
export interface BatchNames {
  model(name: string): string;
  name(model: string, kind: 'version' | 'code' | 'class' | 'feature' | 'importance', name: string): string;
  /** A free-text reason as a code. */
  reason(model: string, reason: string): string;
  browser(name: string): string;
  os(name: string): string;
  /** Names folded for a stored model, by kind; undefined when none. */
  folded(model: string): Dict<number> | undefined;
}

/** Names stored as sent (tests and tools that build rows without a policy). */
const AS_SENT: BatchNames = { model: (n) => n, name: (_m, _k, n) => n, reason: (_m, r) => r, browser: (n) => n, os: (n) => n, folded: () => undefined };

/** What /metrics counts from one batch, with stored names (metrics.ts recordBatch). */
export interface BatchSeries {
  sampleRate: number;
  models: Pick<ModelAggregate, 'model' | 'version' | 'backend' | 'predictions' | 'errors' | 'latency'>[];
  loads: Pick<LoadRecord, 'model' | 'version' | 'backend' | 'source' | 'ms' | 'count'>[];
}

// Row maps are keyed by text built from names ("browser:chrome", '["3","7"]'). A string built
// per batch must be hashed and internalized each time it becomes a property key, which cost
// more than the rest of a page row (CPU profile, #16.9); the same few keys recur in every
// batch, so they are built once and reused. Bounded: names past the cap are built each time.
const MAX_MEMO_KEYS = 4096;
function keyMemo(build: (a: string, b: string) => string): (a: string, b: string) => string {
  const memo = new Map<string, Map<string, string>>();
  let size = 0;
  return (a, b) => {
    let inner = memo.get(a);
    const hit = inner?.get(b);
    if (hit !== undefined) return hit;
    const key = build(a, b);
    if (size < MAX_MEMO_KEYS) {
      if (!inner) memo.set(a, (inner = new Map()));
      inner.set(b, key);
      size++;
    }
    return key;
  };
}
/** "browser:chrome", "os:linux", "device:desktop". */
const clientKey = keyMemo((tag, name) => `${tag}:${name}`);
/** A confusion cell's key: JSON.stringify([predicted, actual]). */
const cellKey = keyMemo((predicted, actual) => JSON.stringify([predicted, actual]));

// A module-level function, not a closure per batch: under tsx (the CLI) every closure
// created also gets a __name() call, and a batch makes few rows.
function rowOf(rows: Map<string, RowDelta>, key: RowKey): AggState {
  const k = keyString(key);
  let d = rows.get(k);
  if (!d) { d = { key, state: emptyState() }; rows.set(k, d); }
  return d.state;
}

/** The row deltas one valid batch contributes, names as sent (see batchRows). */
export const batchToDeltas = (app: string, batch: Batch, now: number): RowDelta[] => batchRows(app, batch, now).deltas;

/**
 * The row deltas one valid batch contributes and its /metrics series, in one pass over the
 * batch that maps every name as it goes (no normalized copy of the batch is built first: fewer
 * short-lived objects, less GC per batch). Its minute is the end of the batch window, clamped
 * to `now` so a device with a clock in the future cannot write ahead of time.
 */
export function batchRows(app: string, batch: Batch, now: number, names: BatchNames = AS_SENT): { deltas: RowDelta[]; series: BatchSeries } {
  const minute = Math.floor(Math.min(batch.window.end, now) / MINUTE) * MINUTE;
  const scale = 1 / batch.sampleRate;
  const rows = new Map<string, RowDelta>();
  const series: BatchSeries = { sampleRate: batch.sampleRate, models: [], loads: [] };
  // Page-level facts go to one row per stored model named in the batch (or the app's '' row).
  const models = new Set<string>();
  for (const m of batch.models) {
    const model = names.model(m.model);
    const version = names.name(model, 'version', m.version);
    models.add(model);
    const s = rowOf(rows, { app, model, version, backend: m.backend, variant: m.variant, minute });
    s.predictions += m.predictions * scale;
    s.sampled += m.predictions;
    // Summed per stored code before scaling, as a row merge would (the same float result).
    const errors = dict<number>();
    for (const c of Object.keys(m.errors)) add(errors, names.name(model, 'code', c), m.errors[c]!);
    addMap(s.errors, errors, scale);
    series.models.push({ model, version, backend: m.backend, predictions: m.predictions, errors, latency: m.latency });
    s.latency = mergeSketch(s.latency, m.latency);
    s.scores = addArray(s.scores, m.scores);
    for (const c of Object.keys(m.classes)) add(s.classes, names.name(model, 'class', c), m.classes[c]!);
    if (m.features) for (const f of Object.keys(m.features)) {
      const n = names.name(model, 'feature', f);
      s.features[n] = addArray(s.features[n] ?? [], m.features[f]!);
    }
    // Keyed by feature names too: kept or folded like them (a plain object here once turned
    // "toString" into text and stored e-mail-shaped names as sent).
    if (m.outOfRange) for (const f of Object.keys(m.outOfRange)) add((s.outOfRange ??= dict()), names.name(model, 'feature', f), m.outOfRange[f]!);
    if (m.importance) for (const f of Object.keys(m.importance)) {
      const cur = (s.importance[names.name(model, 'importance', f)] ??= { sum: 0, n: 0 });
      cur.sum += m.importance[f]!.sum;
      cur.n += m.importance[f]!.n;
    }
    if (m.confusion) for (const [p, a, c] of m.confusion) {
      const predicted = names.name(model, 'class', p);
      add(s.confusion, cellKey(predicted, names.name(model, 'class', a)), c);
    }
  }
  for (const l of batch.loads) {
    const model = names.model(l.model);
    const version = names.name(model, 'version', l.version);
    models.add(model);
    const s = rowOf(rows, { app, model, version, backend: l.backend ?? 'none', variant: l.variant, minute });
    // Names in the order the policy admits them: reasons, then the error, then the candidate's.
    const fallbacks = dict<number>();
    for (const f of l.fallbacks) add(fallbacks, `${f.backend} ${names.reason(model, f.reason)}`, l.count);
    const error = l.error === undefined ? undefined : names.name(model, 'code', l.error);
    const candidate = l.candidateFallback === undefined ? undefined : names.reason(model, l.candidateFallback);
    const ms = new Sketch();
    ms.add(l.ms, l.count);
    const load: LoadState = {
      count: l.count, failed: error ? l.count : 0, bytes: l.bytes * l.count, ms: ms.toJSON(),
      source: dict(), errors: dict(), fallbacks, candidateFallbacks: dict(),
    };
    load.source[l.source] = l.count;
    if (error) load.errors[error] = l.count;
    if (candidate) load.candidateFallbacks[candidate] = l.count;
    // `load` is this function's own: the row's first load takes it as it is.
    s.loads = s.loads ? mergeLoads(s.loads, load) : load;
    series.loads.push({ model, version, backend: l.backend, source: l.source, ms: l.ms, count: l.count });
  }
  if (models.size === 0) models.add('');
  const browser = names.browser(batch.client.browser);
  const os = names.os(batch.client.os);
  for (const model of models) {
    const s = rowOf(rows, { app, model, version: '', backend: '', variant: '', minute });
    s.batches = 1;
    if (batch.vitals) s.vitals = asDict(batch.vitals as Record<string, SketchJSON>);
    s.dropped = { queue: batch.dropped.queue, outbox: batch.dropped.outbox };
    if (batch.cache) s.cache = { ...batch.cache };
    const f = names.folded(model);
    if (f) s.folded = asDict(f);
    s.clients = dict();
    s.clients[clientKey('browser', browser)] = 1;
    s.clients[clientKey('os', os)] = 1;
    s.clients[clientKey('device', batch.client.device)] = 1;
  }
  return { deltas: [...rows.values()], series };
}
