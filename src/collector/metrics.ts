// Prometheus exposition. Counters and histograms are per replica and in memory
// (Prometheus scrapes every replica; sum them in PromQL). They grow only when a batch
// is counted, so replays never inflate them. Gauges (drift, accuracy, F1) are computed
// from the shared database, so every replica reports the same value: use max() over them.
// Cardinality is capped: models beyond `maxModels` and versions beyond `maxVersions` per
// model fold into the label value "_overflow".
import type { BatchSeries } from './aggregate.js';

export const OVERFLOW = '_overflow';
/** Seconds. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
export const LOAD_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60];

type Labels = Record<string, string>;
interface Hist { labels: Labels; buckets: number[]; sum: number; count: number }
interface Cell { labels: Labels; value: number }
/** The metric cells one (app, model, version, backend) writes per batch, looked up once. */
interface Series { labels: Labels; predictions: Cell; latency: Hist; errors: Map<string, Cell> }
/** The load-time histogram and cache counter one (app, model, version, backend, source) writes. */
interface LoadSeries { seconds: Hist; cache: Cell }
/** Cached series per raw label key; bounded because only capped (admitted) values are cached. */
const MAX_CACHED_SERIES = 4096;

export interface GaugeSample { name: string; labels: Labels; value: number }

export interface MetricsOptions { maxModels?: number; maxVersions?: number; maxCodes?: number }

const HELP: Record<string, [string, string]> = {
  inferscope_predictions_total: ['counter', 'Predictions counted (recorded / sampleRate).'],
  inferscope_prediction_errors_total: ['counter', 'Prediction errors by InferScopeError code.'],
  inferscope_inference_latency_seconds: ['histogram', 'Inference latency from client sketches.'],
  inferscope_model_load_seconds: ['histogram', 'Model load time by source (network, cache, memory).'],
  inferscope_cache_requests_total: ['counter', 'Model loads served from cache (hit) or network (miss).'],
  inferscope_ingest_batches_total: ['counter', 'Ingest requests by outcome.'],
  inferscope_names_folded_total: ['counter', 'Client-chosen names not stored as sent, by kind: beyond the per-model cap or a shape that could identify a person; counted under "other".'],
  inferscope_http_errors_total: ['counter', 'Responses with a 5xx status, by status (each is also logged at error level with its cause).'],
  inferscope_drift_score: ['gauge', 'Population stability index vs the manifest baseline over the short window (feature "_prediction" = predicted classes).'],
  inferscope_model_accuracy: ['gauge', 'Accuracy from feedback over the long window.'],
  inferscope_model_f1: ['gauge', 'Macro F1 from feedback over the long window.'],
  inferscope_feature_importance: ['gauge', 'Mean |attribution| per feature from sampled client explanations over the long window.'],
  inferscope_release_percent: ['gauge', 'Percent of installs served the release candidate of a channel (from the shared database).'],
  inferscope_release_decisions_total: ['counter', 'Release decisions this replica committed (hold, advance, promote, rollback, and admin actions).'],
  inferscope_attribution_rank_correlation: ['gauge', 'Spearman rank correlation of live feature importance with the manifest baseline importance (emitted once enough explanations arrived).'],
};

const NEEDS_ESCAPE = /[\\\n"]/;
function esc(v: string): string {
  return NEEDS_ESCAPE.test(v) ? v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"') : v;
}
function labelText(l: Labels): string {
  const parts = Object.keys(l).map((k) => `${k}="${esc(l[k]!)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}
function fmt(n: number): string {
  return Number.isFinite(n) ? String(n) : n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN';
}

/** Cumulative buckets: the first bound >= value and every later one. */
function addTo(h: Hist, bounds: readonly number[], value: number, n: number): void {
  let i = 0;
  while (i < bounds.length && value > bounds[i]!) i++;
  for (; i < bounds.length; i++) h.buckets[i]! += n;
  h.sum += value * n;
  h.count += n;
}

export class Metrics {
  private counters = new Map<string, Map<string, Cell>>();
  private series = new Map<string, Series>();
  private loadSeries = new Map<string, LoadSeries>();
  private hists = new Map<string, Map<string, Hist>>();
  private models = new Set<string>();
  private versions = new Map<string, Set<string>>();
  private codes = new Set<string>();
  private readonly maxModels: number;
  private readonly maxVersions: number;
  private readonly maxCodes: number;

  constructor({ maxModels = 50, maxVersions = 10, maxCodes = 40 }: MetricsOptions = {}) {
    this.maxModels = maxModels;
    this.maxVersions = maxVersions;
    this.maxCodes = maxCodes;
  }

  /** Model and version label values after the cardinality cap. */
  capped(model: string, version: string): { model: string; version: string } {
    if (!this.models.has(model)) {
      if (this.models.size >= this.maxModels) return { model: OVERFLOW, version: OVERFLOW };
      this.models.add(model);
    }
    let vs = this.versions.get(model);
    if (!vs) this.versions.set(model, (vs = new Set()));
    if (!vs.has(version)) {
      if (vs.size >= this.maxVersions) return { model, version: OVERFLOW };
      vs.add(version);
    }
    return { model, version };
  }

  inc(name: string, labels: Labels, by = 1): void {
    this.cell(name, labels).value += by;
  }

  /** The counter cell for these labels (created at 0); callers on hot paths keep it. */
  cell(name: string, labels: Labels): Cell {
    let m = this.counters.get(name);
    if (!m) this.counters.set(name, (m = new Map()));
    const k = labelText(labels);
    let c = m.get(k);
    if (!c) m.set(k, (c = { labels, value: 0 }));
    return c;
  }

  private seriesFor(app: string, model: string, version: string, backend: string): Series {
    const key = `${app}\u0000${model}\u0000${version}\u0000${backend}`;
    let s = this.series.get(key);
    if (s) return s;
    const capped = this.capped(model, version);
    const labels = { app, model: capped.model, version: capped.version, backend };
    s = { labels, predictions: this.cell('inferscope_predictions_total', labels), latency: this.hist('inferscope_inference_latency_seconds', LATENCY_BUCKETS, labels), errors: new Map() };
    // Overflowed label values are not cached, so hostile model names cannot grow the cache.
    if (capped.model === model && capped.version === version && this.series.size < MAX_CACHED_SERIES) this.series.set(key, s);
    return s;
  }

  private hist(name: string, bounds: readonly number[], labels: Labels): Hist {
    let m = this.hists.get(name);
    if (!m) this.hists.set(name, (m = new Map()));
    const k = labelText(labels);
    let h = m.get(k);
    if (!h) m.set(k, (h = { labels, buckets: new Array<number>(bounds.length).fill(0), sum: 0, count: 0 }));
    return h;
  }

  observe(name: string, bounds: readonly number[], labels: Labels, value: number, n = 1): void {
    addTo(this.hist(name, bounds, labels), bounds, value, n);
  }

  /** Count one batch that was just stored (not a replay). */
  recordBatch(app: string, batch: BatchSeries): void {
    const scale = 1 / batch.sampleRate;
    for (const m of batch.models) {
      const series = this.seriesFor(app, m.model, m.version, m.backend);
      series.predictions.value += m.predictions * scale;
      for (const code in m.errors) {
        let cell = series.errors.get(code);
        if (!cell) {
          let c = code;
          if (!this.codes.has(c)) { if (this.codes.size >= this.maxCodes) c = OVERFLOW; else this.codes.add(c); }
          cell = this.cell('inferscope_prediction_errors_total', { ...series.labels, code: c });
          if (c === code) series.errors.set(code, cell);
        }
        cell.value += m.errors[code]! * scale;
      }
      // Each sketch bucket holds values within alpha of its representative value.
      const s = m.latency;
      const h = series.latency;
      const gamma = (1 + s.alpha) / (1 - s.alpha);
      // Sketch buckets ascend, so one pass assigns each to its histogram bucket.
      const per = new Array<number>(LATENCY_BUCKETS.length + 1).fill(0);
      per[0] = s.zeros;
      let value = (2 * Math.pow(gamma, s.offset)) / (1 + gamma) / 1000;
      let b = 0;
      let sum = 0;
      for (let j = 0; j < s.counts.length; j++, value *= gamma) {
        const n = s.counts[j]!;
        if (!(n > 0)) continue;
        while (b < LATENCY_BUCKETS.length && value > LATENCY_BUCKETS[b]!) b++;
        per[b]! += n;
        sum += value * n;
      }
      let cum = 0;
      for (let i = 0; i < LATENCY_BUCKETS.length; i++) { cum += per[i]!; h.buckets[i]! += cum; }
      h.count += cum + per[LATENCY_BUCKETS.length]!;
      h.sum += sum;
    }
    for (const l of batch.loads) {
      const ls = this.loadSeriesFor(app, l.model, l.version, l.backend ?? 'none', l.source);
      addTo(ls.seconds, LOAD_BUCKETS, l.ms / 1000, l.count);
      ls.cache.value += l.count;
    }
  }

  // Like seriesFor: label objects and their text are built once per series, not per batch.
  private loadSeriesFor(app: string, model: string, version: string, backend: string, source: string): LoadSeries {
    const key = `${app}\u0000${model}\u0000${version}\u0000${backend}\u0000${source}`;
    let s = this.loadSeries.get(key);
    if (s) return s;
    const capped = this.capped(model, version);
    const labels = { app, model: capped.model, version: capped.version, backend };
    s = {
      seconds: this.hist('inferscope_model_load_seconds', LOAD_BUCKETS, { ...labels, source }),
      cache: this.cell('inferscope_cache_requests_total', { ...labels, result: source === 'network' ? 'miss' : 'hit' }),
    };
    if (capped.model === model && capped.version === version && this.loadSeries.size < MAX_CACHED_SERIES) this.loadSeries.set(key, s);
    return s;
  }

  /** Text exposition format 0.0.4, with `gauges` appended. */
  render(gauges: GaugeSample[] = []): string {
    const out: string[] = [];
    const head = (name: string) => { const h = HELP[name]; if (h) out.push(`# HELP ${name} ${h[1]}`, `# TYPE ${name} ${h[0]}`); };
    for (const [name, m] of this.counters) {
      head(name);
      for (const { labels, value } of m.values()) out.push(`${name}${labelText(labels)} ${fmt(value)}`);
    }
    for (const [name, m] of this.hists) {
      head(name);
      const bounds = name === 'inferscope_model_load_seconds' ? LOAD_BUCKETS : LATENCY_BUCKETS;
      for (const h of m.values()) {
        bounds.forEach((b, i) => out.push(`${name}_bucket${labelText({ ...h.labels, le: String(b) })} ${h.buckets[i]}`));
        out.push(`${name}_bucket${labelText({ ...h.labels, le: '+Inf' })} ${h.count}`);
        out.push(`${name}_sum${labelText(h.labels)} ${fmt(h.sum)}`, `${name}_count${labelText(h.labels)} ${h.count}`);
      }
    }
    const byName = new Map<string, GaugeSample[]>();
    for (const g of gauges) byName.set(g.name, [...(byName.get(g.name) ?? []), g]);
    for (const [name, gs] of byName) {
      head(name);
      for (const g of gs) out.push(`${name}${labelText(g.labels)} ${fmt(g.value)}`);
    }
    return out.join('\n') + '\n';
  }
}
