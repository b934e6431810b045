// Read side: model list, model report, Prometheus /metrics, health. Reports need the
// admin token; /metrics and /healthz are meant for the scraper and the load balancer
// and expose aggregates only.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { classification } from '../protocol/classification.js';
import { CollectorError } from './errors.js';
import type { ManifestSource } from './manifest.js';
import type { GaugeSample, Metrics } from './metrics.js';
import { buildReport } from './report.js';
import type { Store } from './store/types.js';
import { emptyState, mergeState, type AggState } from './aggregate.js';
import type { ConfusionCell } from '../protocol/wire-types.js';
import { intParam, pathName, textParam, timeParam } from './query.js';

export interface AdminDeps {
  store: Store;
  manifest: ManifestSource;
  metrics: Metrics;
  /** The admin check (auth.ts adminOnly), shared by every admin route. */
  admin: (req: FastifyRequest) => Promise<void>;
  retentionMs: number;
  /** Cache for the database-backed gauges on /metrics. */
  gaugeTtlMs?: number;
  /** More database-backed gauges (release percent). */
  extraGauges?: () => Promise<GaugeSample[]>;
}

const DAY = 86_400_000;

export function registerAdminRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const { store, manifest, metrics, admin, retentionMs, gaugeTtlMs = 15_000, extraGauges } = deps;

  app.get('/healthz', async () => {
    await store.migrations();
    return { ok: true, storage: store.kind };
  });

  app.get('/v1/models', { onRequest: admin }, async () => {
    const rows = await store.models(Date.now() - retentionMs);
    return { models: rows };
  });

  app.get('/v1/models/:id/report', { onRequest: admin }, async (req) => {
    const q = req.query as Record<string, unknown>;
    const model = pathName((req.params as { id: string }).id, 'id');
    const to = timeParam(q.to, 'to', Date.now());
    const from = timeParam(q.from, 'from', to - DAY);
    if (from >= to) throw new CollectorError('BAD_REQUEST', 400, '"from" must be before "to"', { field: 'from' });
    if (to - from > 400 * DAY) throw new CollectorError('BAD_REQUEST', 400, 'a report spans at most 400 days', { field: 'from' });
    const shortMin = intParam(q.shortMinutes, 'shortMinutes', { min: 1, max: 400 * 1440, fallback: 60 });
    const filters = { version: textParam(q.version, 'version'), backend: textParam(q.backend, 'backend'), app: textParam(q.app, 'app') };
    const rows = await store.rows({ model, from, to, ...filters });
    return buildReport(rows, manifest, { model, from, to, shortMs: shortMin * 60_000, filters });
  });

  let gaugeCache: { at: number; value: Promise<GaugeSample[]> } | null = null;
  async function computeGauges(): Promise<GaugeSample[]> {
    const now = Date.now();
    const out: GaugeSample[] = [];
    for (const { app: appId, model } of await store.models(now - DAY)) {
      // One model that fails must not take every other model's gauges off /metrics.
      try { await modelGauges(appId, model, now, out); } catch (err) { app.log.warn({ err, model: model.slice(0, 64) }, 'gauges of one model failed'); }
    }
    if (extraGauges) out.push(...await extraGauges());
    return out;
  }

  async function modelGauges(appId: string, model: string, now: number, out: GaugeSample[]): Promise<void> {
    const rows = (await store.rows({ model, app: appId, from: now - DAY, to: now + 60_000 })).filter((r) => r.version !== '');
    const versions = new Map<string, { long: AggState; short: AggState }>();
    for (const r of rows) {
      const v = versions.get(r.version) ?? { long: emptyState(), short: emptyState() };
      mergeState(v.long, r.state);
      if (r.minute >= now - 3600_000) mergeState(v.short, r.state);
      versions.set(r.version, v);
    }
    for (const [version, s] of versions) {
      const capped = metrics.capped(model, version);
      const labels = { app: appId, model: capped.model, version: capped.version };
      const cells: ConfusionCell[] = Object.entries(s.long.confusion).map(([k, n]) => { const [p, a] = JSON.parse(k) as [string, string]; return [p, a, n]; });
      const cls = classification(cells);
      if (cls.accuracy !== null) out.push({ name: 'inferscope_model_accuracy', labels, value: cls.accuracy });
      if (cls.macro.f1 !== null) out.push({ name: 'inferscope_model_f1', labels, value: cls.macro.f1 });
      const report = await buildReport(rows.filter((r) => r.version === version), manifest, { model, from: now - DAY, to: now + 60_000, shortMs: 3600_000 + 60_000, maxPoints: 1 });
      for (const f of report.versions[0]?.drift.features ?? []) {
        if (f.short.psi !== null) out.push({ name: 'inferscope_drift_score', labels: { ...labels, feature: f.name }, value: f.short.psi });
      }
      const p = report.versions[0]?.drift.prediction?.short.psi;
      if (p !== null && p !== undefined) out.push({ name: 'inferscope_drift_score', labels: { ...labels, feature: '_prediction' }, value: p });
      const imp = report.versions[0]?.importance;
      for (const f of imp?.features ?? []) out.push({ name: 'inferscope_feature_importance', labels: { ...labels, feature: f.name }, value: f.importance });
      if (imp?.drift !== null && imp?.rankCorrelation != null) out.push({ name: 'inferscope_attribution_rank_correlation', labels, value: imp.rankCorrelation });
    }
  }

  app.get('/metrics', async (_req, reply) => {
    if (!gaugeCache || Date.now() - gaugeCache.at > gaugeTtlMs) {
      gaugeCache = { at: Date.now(), value: computeGauges() };
      gaugeCache.value.catch(() => { gaugeCache = null; });
    }
    const gauges = await gaugeCache.value.catch(() => [] as GaugeSample[]);
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(metrics.render(gauges));
  });
}
