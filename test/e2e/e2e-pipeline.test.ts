// End to end, with every part real: the collector (SQLite), the built demo bundle served by
// vite preview, Debian's Chromium, Debian's Prometheus. A page loads the digits model through
// the manifest, predicts N labelled samples, sends feedback for every other one and is closed;
// telemetry leaves on the unload path. The collector's report must count exactly N predictions
// and the accuracy of the labels the page sent; Prometheus scrapes /metrics and answers a
// histogram_quantile over inferscope_inference_latency_seconds. Screenshots go to artifacts/.
// Both modes (describe.each below): the same page in direct mode, then with the client in worker
// mode (the SDK's worker bundled by Vite); one collector, so each run checks what it added.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright';
import type { RunningCollector } from '../../src/collector/server.js';
import type { ModelReport } from '../../src/collector/report.js';
import { DASHBOARD_RANGES } from '../../src/collector/dashboard.js';
import { pickModel, startDemoStack, type DemoServer, type DemoStack } from '../support/demo-server.js';
import { startPrometheus, type TestPrometheus } from '../support/prometheus.js';

const ADMIN = 'e2e-admin-token-0123456789abcdef';
/** The models served (default the repo's models/; INFERSCOPE_MODELS_DIR to try another set). */
const MODELS = resolve(process.env.INFERSCOPE_MODELS_DIR ?? 'models');
const KEY = 'pk_e2e_pipeline_01';
const N = 40;

let stack: DemoStack;
let collector: RunningCollector;
let demo: DemoServer;
let prometheus: TestPrometheus;
let browser: Browser;

beforeAll(async () => {
  mkdirSync('artifacts', { recursive: true });
  stack = await startDemoStack({ app: 'e2e', key: KEY, adminToken: ADMIN, modelsDir: MODELS });
  ({ collector, demo, browser } = stack);
  prometheus = await startPrometheus({ targets: [new URL(collector.url).host] });
});

afterAll(async () => {
  await prometheus?.stop();
  await stack?.close();
});

async function report(model: string): Promise<ModelReport> {
  const res = await fetch(`${collector.url}/v1/models/${model}/report`, { headers: { authorization: `Bearer ${ADMIN}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as ModelReport;
}

async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: T = await get();
  while (!ok(last)) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last).slice(0, 600)}`);
    await new Promise((r) => setTimeout(r, 250));
    last = await get();
  }
  return last;
}

/** Accuracy over n0 earlier labels at acc0 and n1 new ones with c1 right. */
const pooled = (acc0: number | null | undefined, n0: number, c1: number, n1: number) => ((acc0 ?? 0) * n0 + c1) / (n0 + n1);

describe.each([{ mode: 'direct', q: '' }, { mode: 'worker', q: '&worker=1' }])('model in a page -> collector -> Prometheus, $mode mode', ({ q }) => {
  it('counts every prediction and the feedback accuracy after the page closes', async () => {
    const before = await report('digits');
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${demo.url}/e2e.html?model=digits&n=${N}&feedbackEvery=2${q}`);
    await page.waitForFunction(() => (window as { __e2e?: unknown }).__e2e !== undefined, undefined, { timeout: 90_000 });
    const done = await page.evaluate(() => (window as unknown as { __e2e: { error?: string; predictions: number; feedback: number; feedbackCorrect: number; backend: string; inWorker: boolean } }).__e2e);
    expect(done.error).toBeUndefined();
    expect(done.inWorker).toBe(q !== '');
    expect(done.predictions).toBe(N);
    expect(done.feedback).toBe(N / 2);

    // Nothing was sent yet (the telemetry timer is an hour): closing the page is what delivers.
    expect((await report('digits')).predictions).toBe(before.predictions);
    await page.close({ runBeforeUnload: true });

    const r = await until('the batch sent at unload', () => report('digits'), (x) => x.predictions >= before.predictions + N);
    expect(r.predictions).toBe(before.predictions + N);
    expect(r.errors).toBe(before.errors);
    expect(r.backends[done.backend]).toBe((before.backends[done.backend] ?? 0) + N);
    expect(r.classification.n).toBe(before.classification.n + done.feedback);
    expect(r.classification.accuracy).toBeCloseTo(pooled(before.classification.accuracy, before.classification.n, done.feedbackCorrect, done.feedback), 10);
    expect(r.latencyMs.count).toBe(before.latencyMs.count + N);
    expect(r.latencyMs.p50).toBeGreaterThan(0);
    await context.close();

    // Prometheus scrapes the collector every second.
    const total = await until('prometheus to scrape the predictions', () => prometheus.query('sum(inferscope_predictions_total{model="digits"})'),
      (res) => Number(res[0]?.value[1]) === r.predictions);
    expect(Number(total[0]!.value[1])).toBe(r.predictions);
    const q90 = await prometheus.query('histogram_quantile(0.9, sum by (le) (inferscope_inference_latency_seconds_bucket{model="digits"}))');
    const p90s = Number(q90[0]?.value[1]);
    expect(Number.isFinite(p90s)).toBe(true);
    // Prometheus interpolates inside fixed buckets; the report's sketch is within 1%: same ballpark.
    const sketchP90s = r.latencyMs.p90! / 1000;
    expect(p90s).toBeGreaterThan(sketchP90s / 4);
    expect(p90s).toBeLessThan(sketchP90s * 4);
  }, 150_000);
});

describe('dashboard and demo page', () => {
  it('saves screenshots of the demo page and the dashboard', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${collector.url}/#token=${ADMIN}`);
    await page.waitForFunction(() => document.querySelectorAll('canvas').length > 0, undefined, { timeout: 90_000 });
    await page.waitForTimeout(500);
    await page.screenshot({ path: 'artifacts/e2e-dashboard.png', fullPage: true });
    expect(await page.locator('canvas').count()).toBeGreaterThan(0);
    // Every range the dashboard offers, each drawn over its own span (checked in test/collector/dashboard.test.ts).
    for (const [label, ms] of DASHBOARD_RANGES) {
      await page.selectOption('#range', String(ms));
      await page.waitForSelector('body[data-ready="1"]', { timeout: 90_000 });
      expect(Number(await page.getAttribute('#c-predictions', 'data-x-max')) - Number(await page.getAttribute('#c-predictions', 'data-x-min'))).toBeCloseTo(ms, -3);
      await page.screenshot({ path: `artifacts/e2e-dashboard-${label.replace(' ', '')}.png`, fullPage: true });
    }

    await page.goto(`${demo.url}/`);
    await page.waitForSelector('body[data-ready="true"]');
    await pickModel(page, 'digits');
    await page.uncheck('#backend-webgpu'); // software WebGPU/WebGL here: slow, and not what this test is about
    await page.uncheck('#backend-webgl');
    await page.click('#load');
    await page.waitForSelector('#model-info .big', { timeout: 90_000 });
    await page.click('#accuracy-run');
    await page.waitForSelector('#accuracy-value', { timeout: 90_000 });
    await page.screenshot({ path: 'artifacts/e2e-demo.png', fullPage: true });
    expect(await page.textContent('#model-info')).toMatch(/runs digits@/);
    await context.close();
  });
});
