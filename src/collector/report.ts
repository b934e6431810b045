// Model report: everything a model owner looks at, computed from merged minute rows.
import { classification, type ClassificationReport } from '../protocol/classification.js';
import { drift, type DriftResult } from '../protocol/drift.js';
import type { Baseline } from '../protocol/manifest-types.js';
import { Sketch } from '../protocol/sketch.js';
import type { ConfusionCell, SketchJSON } from '../protocol/wire-types.js';
import { dict, emptyState, mergeState, type AggState } from './aggregate.js';
import { importanceSection } from './importance.js';
import type { ManifestSource } from './manifest.js';
import type { StoredRow } from './store/types.js';

export interface ReportOptions {
  model: string;
  from: number;
  to: number;
  /** Short drift window, ending at `to` (default 1 hour). The long window is [from, to). */
  shortMs?: number;
  filters?: { version?: string; backend?: string; app?: string };
  /** Time series resolution: at most this many points. */
  maxPoints?: number;
}

type Percentiles = { count: number; p50: number | null; p90: number | null; p99: number | null; mean: number | null };

function pct(s: SketchJSON | null | undefined, scale = 1): Percentiles {
  if (!s || s.count <= 0) return { count: 0, p50: null, p90: null, p99: null, mean: null };
  const k = Sketch.fromJSON(s);
  const q = (x: number) => { const v = k.quantile(x); return Number.isFinite(v) ? v * scale : null; };
  return { count: s.count, p50: q(0.5), p90: q(0.9), p99: q(0.99), mean: (s.sum / s.count) * scale };
}

function sumStates(rows: StoredRow[]): AggState {
  const acc = emptyState();
  for (const r of rows) mergeState(acc, r.state);
  return acc;
}

function errorTotal(s: AggState): number {
  return Object.values(s.errors).reduce((a, b) => a + b, 0);
}

function cells(s: AggState): ConfusionCell[] {
  return Object.entries(s.confusion).map(([k, n]) => { const [p, a] = JSON.parse(k) as [string, string]; return [p, a, n]; });
}

function summary(s: AggState) {
  const errors = errorTotal(s);
  return {
    predictions: s.predictions,
    sampled: s.sampled,
    errors,
    errorRate: s.predictions + errors > 0 ? errors / (s.predictions + errors) : null,
    errorsByCode: s.errors,
    latencyMs: pct(s.latency),
  };
}

interface DriftSection {
  baseline: boolean;
  reason?: string;
  features: { name: string; short: DriftResult; long: DriftResult }[];
  prediction: { short: DriftResult; long: DriftResult } | null;
}

function predictionCounts(b: Baseline, s: AggState): number[] {
  return b.prediction.labels.map((label, i) => s.classes[label] ?? s.classes[String(i)] ?? 0);
}

function driftSection(baseline: Baseline, short: AggState, long: AggState): DriftSection {
  const features = baseline.features.map((f) => ({
    name: f.name,
    short: drift(f.expected, short.features[f.name] ?? new Array<number>(f.expected.length).fill(0)),
    long: drift(f.expected, long.features[f.name] ?? new Array<number>(f.expected.length).fill(0)),
  }));
  const prediction = baseline.prediction.labels.length
    ? { short: drift(baseline.prediction.expected, predictionCounts(baseline, short)), long: drift(baseline.prediction.expected, predictionCounts(baseline, long)) }
    : null;
  return { baseline: true, features, prediction };
}

function loadSection(rows: StoredRow[]) {
  const s = sumStates(rows.filter((r) => r.state.loads));
  const l = s.loads;
  if (!l) return { count: 0, failed: 0, timeMs: pct(null), cacheHitRatio: null, bySource: {}, errors: {} };
  const hits = (l.source.cache ?? 0) + (l.source.memory ?? 0);
  return { count: l.count, failed: l.failed, timeMs: pct(l.ms), cacheHitRatio: l.count ? hits / l.count : null, bySource: l.source, errors: l.errors, meanBytes: l.count ? l.bytes / l.count : null };
}

function maxPsi(d: DriftSection | null): number | null {
  if (!d) return null;
  const v = [...d.features.map((f) => f.long.psi), d.prediction?.long.psi ?? null].filter((x): x is number => x !== null);
  return v.length ? Math.max(...v) : null;
}

/** Build the report for one model from its rows in [from, to). */
export async function buildReport(rows: StoredRow[], manifest: ManifestSource, opts: ReportOptions) {
  const { model, from, to, shortMs = 3600_000, filters = {}, maxPoints = 120 } = opts;
  const shortFrom = Math.max(from, to - shortMs);
  const modelRows = rows.filter((r) => r.version !== '');
  const pageRows = rows.filter((r) => r.version === '');
  const all = sumStates(modelRows);

  // Client-chosen names are keys below: null-prototype maps (see aggregate.ts).
  const byBackend = dict<number>();
  for (const r of modelRows) if (r.backend !== 'none') byBackend[r.backend] = (byBackend[r.backend] ?? 0) + r.state.predictions;
  const fallbacks = dict<number>();
  const candidateFallbacks = dict<number>();
  for (const r of modelRows) {
    for (const [k, n] of Object.entries(r.state.loads?.fallbacks ?? {})) fallbacks[k] = (fallbacks[k] ?? 0) + n;
    for (const [k, n] of Object.entries(r.state.loads?.candidateFallbacks ?? {})) candidateFallbacks[k] = (candidateFallbacks[k] ?? 0) + n;
  }

  const versions = [...new Set(modelRows.map((r) => r.version))].sort();
  const driftByVersion = new Map<string, DriftSection>();
  const versionReports = [];
  for (const version of versions) {
    const vr = modelRows.filter((r) => r.version === version);
    const long = sumStates(vr);
    const short = sumStates(vr.filter((r) => r.minute >= shortFrom));
    const b = await manifest.baseline(model, version);
    const d: DriftSection = b.baseline ? driftSection(b.baseline, short, long) : { baseline: false, reason: b.reason, features: [], prediction: null };
    driftByVersion.set(version, d);
    versionReports.push({
      version,
      variants: [...new Set(vr.map((r) => r.variant))].sort(),
      ...summary(long),
      load: loadSection(vr),
      drift: d,
      outOfRange: long.outOfRange ?? {},
      importance: importanceSection(long.importance, b.baseline ?? undefined),
      classification: classification(cells(long)),
    });
  }

  const variants = ['stable', 'candidate', 'direct'].flatMap((variant) => {
    const vr = modelRows.filter((r) => r.variant === variant);
    if (!vr.length) return [];
    const s = sumStates(vr);
    const cls: ClassificationReport = classification(cells(s));
    const vs = [...new Set(vr.map((r) => r.version))].sort();
    const psis = vs.map((v) => maxPsi(driftByVersion.get(v) ?? null)).filter((x): x is number => x !== null);
    return [{ variant, versions: vs, ...summary(s), accuracy: cls.accuracy, macroF1: cls.macro.f1, feedback: cls.n, maxDriftPsi: psis.length ? Math.max(...psis) : null }];
  });

  const page = sumStates(pageRows);
  const vitals = dict<Percentiles>();
  for (const [k, s] of Object.entries(page.vitals ?? {})) vitals[k] = pct(s);

  // Time series for charts: fixed steps of whole minutes.
  const step = Math.max(60_000, Math.ceil((to - from) / maxPoints / 60_000) * 60_000);
  const buckets = new Map<number, AggState>();
  for (const r of modelRows) {
    const t = from + Math.floor((r.minute - from) / step) * step;
    buckets.set(t, mergeState(buckets.get(t) ?? emptyState(), r.state));
  }
  const times = [...buckets.keys()].sort((a, b) => a - b);
  const series = {
    stepMs: step,
    t: times,
    predictions: times.map((t) => buckets.get(t)!.predictions),
    errors: times.map((t) => errorTotal(buckets.get(t)!)),
    p50: times.map((t) => pct(buckets.get(t)!.latency).p50),
    p90: times.map((t) => pct(buckets.get(t)!.latency).p90),
    p99: times.map((t) => pct(buckets.get(t)!.latency).p99),
    accuracy: times.map((t) => classification(cells(buckets.get(t)!)).accuracy),
  };

  const overall = classification(cells(all));
  const scoreTotal = all.scores.reduce((a, b) => a + b, 0);
  return {
    model,
    from,
    to,
    windows: { shortFrom, longFrom: from },
    filters,
    ...summary(all),
    load: loadSection(modelRows),
    backends: byBackend,
    fallbacks: Object.entries(fallbacks).map(([k, count]) => { const i = k.indexOf(' '); return { backend: k.slice(0, i), reason: k.slice(i + 1), count }; }).sort((a, b) => b.count - a.count),
    candidateFallbacks,
    classes: all.classes,
    scoreHistogram: scoreTotal > 0 ? all.scores : [],
    classification: overall,
    versions: versionReports,
    variants,
    vitals,
    coverage: {
      batches: page.batches,
      counted: all.predictions,
      sampled: all.sampled,
      sampleRate: all.predictions > 0 ? all.sampled / all.predictions : null,
      dropped: page.dropped ?? { queue: 0, outbox: 0 },
      cache: page.cache ?? null,
      clients: page.clients ?? {},
      /** Names not stored as sent (beyond the per-model cap, or a shape that may identify a person), folded into "other". */
      foldedNames: page.folded ?? {},
    },
    series,
  };
}

export type ModelReport = Awaited<ReturnType<typeof buildReport>>;
