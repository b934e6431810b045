// A real Prometheus scrapes the collector's /metrics, answers histogram_quantile over the
// latency histogram, loads the shipped alert rules, and accepts every Grafana panel query.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrometheus, type TestPrometheus } from '../support/prometheus.js';
import { latencySketch, makeBatch, modelAggregate, startTestCollector, until, type TestCollector } from './helpers.js';

const untilHere = <T>(fn: () => Promise<T | undefined>, what: string) => until(fn, what, 20_000, 300);

const ROOT = join(import.meta.dirname, '..', '..');
const RULES = join(ROOT, 'deploy/prometheus/alerts.yml');
let c: TestCollector;
let prom: TestPrometheus;


beforeAll(async () => {
  c = await startTestCollector({ config: { ...(await import('./helpers.js')).testConfig(), metrics: { maxModels: 2, maxVersions: 5 } } });
  // 90% of inferences at 3 ms, 10% at 300 ms.
  const lat = latencySketch([...Array.from({ length: 90 }, () => 3), ...Array.from({ length: 10 }, () => 300)]);
  for (const model of ['digits', 'iris', 'third', 'fourth']) {
    const r = await c.post(makeBatch({ models: [modelAggregate({ model, latency: lat, predictions: 100, errors: { PREDICT_FAILED: 5 } })] }));
    expect(r.status).toBe(200);
  }
  // Drifted inputs and feedback for digits: the database-backed gauges.
  await c.post(makeBatch({ models: [modelAggregate({ features: { mean: [0, 50, 950] }, confusion: [['3', '3', 9], ['3', '7', 1]] })] }));
  await c.post('not json');
  prom = await startPrometheus({ targets: [new URL(c.url).host], ruleFiles: [RULES] });
});
afterAll(async () => { await prom?.stop(); await c?.close(); });

describe('Prometheus', () => {
  it('promtool accepts the shipped alert rules', () => {
    const out = execFileSync('promtool', ['check', 'rules', RULES]).toString();
    expect(out).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('scrapes the collector and answers histogram_quantile from the latency histogram', async () => {
    const p50 = await untilHere(async () => {
      const r = await prom.query('histogram_quantile(0.5, sum by (le) (inferscope_inference_latency_seconds_bucket{model="digits"}))');
      return r.length ? Number(r[0]!.value[1]) : undefined;
    }, 'a scrape');
    expect(p50).toBeGreaterThan(0.0025);
    expect(p50).toBeLessThanOrEqual(0.005);
    const p99 = Number((await prom.query('histogram_quantile(0.99, sum by (le) (inferscope_inference_latency_seconds_bucket{model="digits"}))'))[0]!.value[1]);
    expect(p99).toBeGreaterThan(0.25);
    expect(p99).toBeLessThanOrEqual(0.5);
    const preds = await prom.query('sum(inferscope_predictions_total)');
    expect(Number(preds[0]!.value[1])).toBe(420);
    const drift = await prom.query('max by (feature) (inferscope_drift_score{model="digits",version="1.0.0"})');
    expect(drift.find((r) => r.metric.feature === 'mean')!.value[1]).toSatisfy((v: string) => Number(v) > 0.25);
    expect(Number((await prom.query('max(inferscope_model_accuracy{model="digits"})'))[0]!.value[1])).toBeCloseTo(0.9, 10);
    const invalid = await prom.query('inferscope_ingest_batches_total{status="invalid"}');
    expect(Number(invalid[0]!.value[1])).toBe(1);
  });

  it('folds models beyond the cardinality cap into an overflow label', async () => {
    const models = (await prom.query('sum by (model) (inferscope_predictions_total)')).map((r) => r.metric.model).sort();
    expect(models).toEqual(['_overflow', 'digits', 'iris']);
    expect(Number((await prom.query('sum(inferscope_predictions_total{model="_overflow"})'))[0]!.value[1])).toBe(200);
  });

  it('loads and evaluates every alert rule, and accepts every Grafana panel query', async () => {
    const groups = await untilHere(async () => {
      const j = (await (await fetch(`${prom.url}/api/v1/rules`)).json()) as { data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] } };
      const rules = j.data.groups.flatMap((g) => g.rules);
      return rules.length && rules.every((r) => r.health === 'ok') ? rules : undefined;
    }, 'rules evaluated healthy');
    expect(groups.map((r) => r.name)).toEqual(expect.arrayContaining(['InferScopeLatencySLOBurn', 'InferScopeErrorRateHigh', 'InferScopeDrift', 'InferScopeAccuracyDrop', 'InferScopeIngestRejects']));
    const dash = JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/inferscope-dashboard.json'), 'utf8')) as { panels: { title: string; targets: { expr: string }[] }[] };
    const titles = dash.panels.map((p) => p.title.toLowerCase()).join(' | ');
    for (const chart of ['latency', 'predictions', 'errors', 'drift', 'accuracy', 'backend']) expect(titles).toContain(chart);
    for (const p of dash.panels) for (const t of p.targets) await prom.query(t.expr.replaceAll('$app', '.*').replaceAll('$model', '.*'));
  });
});
