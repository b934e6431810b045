// On-device aggregation. Each hook folds one event into per-(model, version,
// backend, variant) aggregates; take() hands the window over as wire objects and
// starts a new one. Hot path (recordPrediction) is a few map lookups and array
// increments: no allocation beyond the first event of a key, no I/O, no throw.
import { SketchCore } from '../../protocol/sketch-core.js';
import { binExample } from '../../protocol/baseline.js';
import type { CacheCounts, LoadRecord, ModelAggregate, SketchJSON } from '../../protocol/wire-types.js';
import { createFeedbackMap, type FeedbackMapOptions } from './feedback-map.js';
import type { CacheEvent, ExplanationEvent, LoadEvent, PredictionEvent } from './types.js';

export type VitalName = 'LCP' | 'INP' | 'CLS' | 'FCP' | 'TTFB';

/** Distinct class labels kept per aggregate; the rest count under OTHER_LABEL. */
export const MAX_CLASSES = 1000;
export const OTHER_LABEL = '(other)';
/** Distinct load records kept per window; further ones are dropped (counted). */
export const MAX_LOADS = 200;

interface Agg {
  model: string;
  version: string;
  backend: ModelAggregate['backend'];
  variant: ModelAggregate['variant'];
  predictions: number;
  errors: Record<string, number>;
  latency: SketchCore;
  scores: number[];
  classes: Map<string, number>;
  features?: Map<string, number[]>;
  outOfRange?: Map<string, number>;
  confusion?: Map<string, number>;
  importance?: Map<string, { sum: number; n: number }>;
}

export interface RecorderSnapshot {
  window: { start: number; end: number };
  models: ModelAggregate[];
  loads: LoadRecord[];
  cache?: CacheCounts;
  vitals?: Partial<Record<VitalName, SketchJSON>>;
  /** Events dropped by the recorder's own bounds (load records). */
  dropped: number;
}

export interface RecorderOptions {
  /** Fraction of predictions recorded (0 < r <= 1). */
  sampleRate?: number;
  feedback?: FeedbackMapOptions;
  now?: () => number;
  random?: () => number;
}

export interface Recorder {
  recordPrediction(e: PredictionEvent): void;
  /** Draws whether a prediction is recorded (sampleRate); see PredictionEvent.sampled. */
  sample(): boolean;
  recordLoad(e: LoadEvent): void;
  recordCache(e: CacheEvent, n?: number): void;
  recordExplanation(e: ExplanationEvent): void;
  /** A web-vitals report; a metric id counts once (CLS re-reports the same id as it grows). */
  recordVital(name: VitalName, id: string, value: number): void;
  feedback(predictionId: string, label: string): boolean;
  /** Predictions recorded in the current window. */
  readonly pending: number;
  /** The current window as wire objects, or null when nothing was recorded; resets it. */
  take(): RecorderSnapshot | null;
  /** What take() would return now, without closing the window. */
  peek(): RecorderSnapshot | null;
  /** Ids of web-vitals already in a closed window (later reports of them are ignored). */
  countedVitals(): string[];
}

// The collector refuses these as map keys (they would reach Object.prototype).
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);
const ERROR_CODE = /^[A-Z][A-Z0-9_]{0,47}$/;
/** A label as a wire map key: non-empty, at most 128 chars, never a prototype key. */
export const safeLabel = (s: string): string => {
  const t = s.slice(0, 128);
  return t === '' ? '(empty)' : FORBIDDEN.has(t) ? `_${t}` : t;
};

// Reasons are SDK text, but some quote a URL (a .wasm file under assetsUrl): URLs never leave the device.
const noUrls = (s: string) => s.replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, '<url>');

const keyOf = (e: { model: string; version: string; backend: string; variant: string }) =>
  e.model + '\u0000' + e.version + '\u0000' + e.backend + '\u0000' + e.variant;

export function createRecorder({ sampleRate = 1, feedback = {}, now = Date.now, random = Math.random }: RecorderOptions = {}): Recorder {
  const pendingLabels = createFeedbackMap({ now, ...feedback });
  let aggs = new Map<string, Agg>();
  let loads = new Map<string, LoadRecord>();
  let cache: CacheCounts | undefined;
  let pendingVitals = new Map<string, { name: VitalName; value: number }>();
  const countedVitals = new Set<string>();
  let start = now();
  let predictions = 0;
  let events = 0;
  let dropped = 0;

  const agg = (e: { model: string; version: string; backend: Agg['backend']; variant: Agg['variant'] }, key = keyOf(e)): Agg => {
    let a = aggs.get(key);
    if (!a) {
      a = {
        model: e.model, version: e.version, backend: e.backend, variant: e.variant,
        predictions: 0, errors: {}, latency: new SketchCore(), scores: new Array<number>(10).fill(0), classes: new Map(),
      };
      aggs.set(key, a);
    }
    return a;
  };
  const bump = (m: Map<string, number>, k: string, n = 1) => {
    const c = m.get(k);
    if (c !== undefined) m.set(k, c + n);
    else if (m.size < MAX_CLASSES) m.set(k, n);
    else m.set(OTHER_LABEL, (m.get(OTHER_LABEL) ?? 0) + n);
  };

  // Fast path: consecutive predictions almost always come from the same model, so the
  // last aggregate is reused without building its key string.
  let last: Agg | undefined;
  let lastKey = '';
  function recordPrediction(e: PredictionEvent): void {
    if (!e.sampled && sampleRate < 1 && random() >= sampleRate) return;
    let a = last;
    let key = lastKey;
    if (!a || a.model !== e.model || a.version !== e.version || a.backend !== e.backend || a.variant !== e.variant) {
      key = keyOf(e);
      a = agg(e, key);
      last = a;
      lastKey = key;
    }
    events++;
    if (e.error !== undefined) {
      const code = ERROR_CODE.test(e.error) ? e.error : 'UNKNOWN';
      a.errors[code] = (a.errors[code] ?? 0) + 1;
      return;
    }
    const top = e.top;
    const n = top && top.length > 0 ? top.length : 1;
    a.predictions += n;
    predictions += n;
    a.latency.add(e.ms);
    if (top) {
      for (let i = 0; i < top.length; i++) {
        const t = top[i]!;
        if (t.score >= 0) a.scores[t.score >= 1 ? 9 : Math.floor(t.score * 10)]!++;
        bump(a.classes, t.label !== undefined ? safeLabel(t.label) : String(t.index));
      }
      const first = top[0];
      if (first) pendingLabels.remember(e.id, key, first.label !== undefined ? safeLabel(first.label) : String(first.index));
    }
    if (e.baseline && e.inputs) binInputs(a, e.baseline, e.inputs());
  }

  function binInputs(a: Agg, spec: NonNullable<PredictionEvent['baseline']>, rows: Float32Array[]): void {
    const feats = spec.features;
    const f = (a.features ??= new Map());
    for (const row of rows) {
      const bins = binExample(feats, row, spec.image);
      for (let j = 0; j < feats.length; j++) {
        const b = bins[j]!;
        if (b < 0) continue; // NaN has no bin
        let counts = f.get(feats[j]!.name);
        if (!counts) f.set(feats[j]!.name, (counts = new Array<number>(feats[j]!.edges.length + 1).fill(0)));
        counts[b]!++;
        // Outside the training range: below the first edge or above the last (edges as float32,
        // like the inputs: the training minimum 33.1 arrives as 33.099998 and is inside).
        const fe = feats[j]!;
        if (fe.index !== undefined && (b === 0 || b === fe.edges.length) && (row[fe.index]! < Math.fround(fe.edges[0]!) || row[fe.index]! > Math.fround(fe.edges[fe.edges.length - 1]!))) {
          const o = (a.outOfRange ??= new Map());
          o.set(fe.name, (o.get(fe.name) ?? 0) + 1);
        }
      }
    }
  }

  function recordLoad(e: LoadEvent): void {
    events++;
    // Identical loads fold together; ms becomes their mean (bytes are per load).
    const key = JSON.stringify([e.model, e.version, e.variant, e.backend, e.source, e.bytes, e.fallbacks, e.error ?? null, e.candidateFallback ?? null]);
    const prev = loads.get(key);
    const ms = Math.min(3_600_000, Math.max(0, e.ms));
    if (prev) { prev.ms = (prev.ms * prev.count + ms) / (prev.count + 1); prev.count++; return; }
    if (loads.size >= MAX_LOADS) { dropped++; return; }
    const rec: LoadRecord = { model: e.model, version: e.version, variant: e.variant, backend: e.backend, source: e.source, bytes: Math.max(0, Math.round(e.bytes)), ms, fallbacks: e.fallbacks.map((f) => ({ backend: f.backend, reason: noUrls(f.reason).slice(0, 200) })), count: 1 };
    if (e.error !== undefined) rec.error = e.error;
    if (e.candidateFallback !== undefined) rec.candidateFallback = e.candidateFallback.slice(0, 200);
    loads.set(key, rec);
  }

  function recordCache(e: CacheEvent, n = 1): void {
    if (!(n > 0)) return;
    events++;
    cache ??= { hit: 0, miss: 0, evicted: 0, unavailable: 0, integrityFailures: 0 };
    if (e in cache) cache[e] += Math.round(n);
  }

  function recordExplanation(e: ExplanationEvent): void {
    events++;
    const a = agg(e);
    const imp = (a.importance ??= new Map());
    for (const [name, v] of Object.entries(e.attributions)) {
      if (!Number.isFinite(v)) continue;
      const k = safeLabel(name);
      const cur = imp.get(k);
      if (cur) { cur.sum += Math.abs(v); cur.n++; } else if (imp.size < 512) imp.set(k, { sum: Math.abs(v), n: 1 });
    }
  }

  function recordVital(name: VitalName, id: string, value: number): void {
    if (countedVitals.has(id) || !(value >= 0)) return;
    events++;
    pendingVitals.set(id, { name, value }); // latest report wins until the window closes
  }

  function feedbackFn(predictionId: string, label: string): boolean {
    const p = pendingLabels.take(predictionId);
    if (!p) return false;
    const [model, version, backend, variant] = p.key.split('\u0000') as [string, string, Agg['backend'], Agg['variant']];
    const a = agg({ model, version, backend, variant }, p.key);
    events++;
    const cell = JSON.stringify([p.predicted, safeLabel(String(label))]);
    const conf = (a.confusion ??= new Map());
    conf.set(cell, (conf.get(cell) ?? 0) + 1);
    return true;
  }

  /** The current window as wire objects, without closing it. */
  function peek(): RecorderSnapshot | null {
    if (events === 0 && dropped === 0) return null;
    const vitals = new Map<VitalName, SketchCore>();
    for (const v of pendingVitals.values()) {
      let s = vitals.get(v.name);
      if (!s) vitals.set(v.name, (s = new SketchCore()));
      s.add(v.value);
    }
    const snap: RecorderSnapshot = {
      window: { start, end: Math.max(start, now()) },
      models: [...aggs.values()].map(toWire),
      loads: [...loads.values()],
      dropped,
    };
    if (cache) snap.cache = cache;
    if (vitals.size) snap.vitals = Object.fromEntries([...vitals].map(([k, s]) => [k, s.toJSON()]));
    return snap;
  }

  function take(): RecorderSnapshot | null {
    const snap = peek();
    if (!snap) return null;
    for (const id of pendingVitals.keys()) countedVitals.add(id);
    aggs = new Map();
    last = undefined;
    loads = new Map();
    cache = undefined;
    pendingVitals = new Map();
    start = snap.window.end;
    predictions = 0;
    events = 0;
    dropped = 0;
    return snap;
  }

  // Telemetry never throws into the page: every hook swallows its own failures.
  return {
    recordPrediction(e) { try { recordPrediction(e); } catch { /* dropped */ } },
    sample: () => sampleRate >= 1 || random() < sampleRate,
    recordLoad(e) { try { recordLoad(e); } catch { /* dropped */ } },
    recordCache(e, n) { try { recordCache(e, n); } catch { /* dropped */ } },
    recordExplanation(e) { try { recordExplanation(e); } catch { /* dropped */ } },
    recordVital(name, id, value) { try { recordVital(name, id, value); } catch { /* dropped */ } },
    feedback(id, label) { try { return feedbackFn(id, label); } catch { return false; } },
    get pending() { return predictions; },
    peek,
    take,
    countedVitals: () => [...countedVitals],
  };
}

function toWire(a: Agg): ModelAggregate {
  const m: ModelAggregate = {
    model: a.model, version: a.version, backend: a.backend, variant: a.variant,
    predictions: a.predictions, errors: a.errors, latency: a.latency.toJSON(),
    scores: a.scores.some((c) => c > 0) ? a.scores : [],
    classes: Object.fromEntries(a.classes),
  };
  if (a.features) m.features = Object.fromEntries(a.features);
  if (a.outOfRange) m.outOfRange = Object.fromEntries(a.outOfRange);
  if (a.confusion) m.confusion = [...a.confusion].map(([cell, n]) => [...(JSON.parse(cell) as [string, string]), n]);
  if (a.importance) m.importance = Object.fromEntries(a.importance);
  return m;
}
