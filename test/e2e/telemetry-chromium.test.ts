// Telemetry delivery in real Chromium against a sink server that writes down what arrives.
// Every test checks the end state a collector would see: predictions summed over distinct
// batch ids equal exactly what the page recorded.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureFixtures } from '../support/fixtures.js';
import { bundlePage, launch, openPage as open, startApp, startSink, waitFor, type Browser, type Sink } from './telemetry-harness.js';

declare const tel: any; // window.tel in the page (telemetry-page.ts)

let browser: Browser;
let app: { url: string; close(): Promise<void> };
const sinks: Sink[] = [];
const sink = async (...a: Parameters<typeof startSink>) => { const s = await startSink(...a); sinks.push(s); return s; };
const fast = { flushIntervalMs: 60_000, retry: { baseMs: 200, maxMs: 2000 } };

beforeAll(async () => {
  const [scripts, fixtures] = await Promise.all([bundlePage(), ensureFixtures()]);
  app = await startApp(scripts, fixtures);
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
  for (const s of sinks) await s.stop().catch(() => {});
});

// Worker mode: the same tests with telemetry in a module worker and the page's events
// (pagehide, visibilitychange, web-vitals) forwarded to it by the SDK's proxy code.
describe.each([{ mode: 'direct', query: '' }, { mode: 'worker', query: '?mode=worker' }])('telemetry in Chromium, $mode mode', ({ query }) => {
  const openPage = (context: Parameters<typeof open>[0], url: string) => open(context, url, query);
  test('sink answers 500 then 200: retried with the same batch id, exactly N after dedup', async () => {
    const s = await sink((n) => ({ status: n === 0 ? 500 : 200 }));
    const page = await openPage(browser.context, app.url);
    await page.evaluate((o) => tel.start(o), { endpoint: s.url, appKey: 'pk_e2e', ...fast });
    await page.evaluate(() => { tel.record(120, 0); return tel.flush(); });
    await page.evaluate(() => { tel.record(80, 120); return tel.flush(); });
    await waitFor(() => s.accepted() === 200, 'all 200 predictions at the sink');
    expect(s.arrivals[0]!.status).toBe(500);
    const retried = s.arrivals.filter((a) => a.batch.batchId === s.arrivals[0]!.batch.batchId);
    expect(retried.map((a) => a.status)).toEqual([500, 200]);
    expect(s.arrivals.every((a) => a.valid && a.url.includes('key=pk_e2e'))).toBe(true);
    expect(s.arrivals.some((a) => a.gzip)).toBe(true); // CompressionStream in Chromium
    await page.close();
  });

  test('429 with Retry-After: 2 — nothing is sent again for 2 s, then everything arrives', async () => {
    const s = await sink((n) => (n === 0 ? { status: 429, headers: { 'retry-after': '2' } } : { status: 204 }));
    const page = await openPage(browser.context, app.url);
    await page.evaluate((o) => tel.start(o), { endpoint: s.url, ...fast });
    await page.evaluate(() => { tel.record(50); return tel.flush(); });
    await page.evaluate(() => { tel.record(25, 50); return tel.flush(); }); // during the wait: to the outbox
    await waitFor(() => s.accepted() === 75, '75 predictions after Retry-After');
    expect(s.arrivals[1]!.at - s.arrivals[0]!.at).toBeGreaterThanOrEqual(1900);
    await page.close();
  });

  test('sink down, then up: batches wait in the IndexedDB outbox and all arrive', async () => {
    const s = await sink();
    await s.stop();
    const page = await openPage(browser.context, app.url);
    await page.evaluate((o) => tel.start(o), { endpoint: s.url, ...fast });
    for (let i = 0; i < 3; i++) await page.evaluate((k) => { tel.record(30, k * 30); return tel.flush(); }, i);
    expect(await page.evaluate(() => tel.outboxCount())).toBeGreaterThanOrEqual(3);
    await s.restart();
    await waitFor(() => s.accepted() === 90, '90 predictions once the sink is back');
    await waitFor(() => s.arrivals.length >= 3, 'the arrivals');
    await page.close();
  });

  test('page closes right after predicting: the unload path delivers them', async () => {
    const s = await sink();
    const page = await openPage(browser.context, app.url);
    await page.evaluate((o) => tel.start(o), { endpoint: s.url, ...fast }); // no timer flush within the test
    await page.evaluate(() => tel.record(333));
    await page.close({ runBeforeUnload: true });
    await waitFor(() => s.accepted() === 333, '333 predictions sent on pagehide');
    expect(s.arrivals[0]!.gzip).toBe(false); // keepalive bodies go uncompressed
  });

  test('web-vitals of the host page arrive as sketches with the unload batch; opt-out sends none', async () => {
    const vitals: Record<string, number>[] = [];
    for (const webVitals of [true, false]) {
      // A sink per page: the unload stash is kept per collector URL, so the second page cannot
      // send the first one's unload batch again (it would, by design, to a shared sink: a closed
      // page never hears its keepalive answered, and the collector deduplicates by batch id).
      const s = await sink();
      const page = await openPage(browser.context, app.url);
      await page.evaluate((o) => { tel.paint(); return tel.start(o); }, { endpoint: s.url, ...fast, webVitals }); // awaited: the SDK's observers come first
      await page.evaluate(() => tel.painted()); // FCP and LCP exist to be observed
      await page.evaluate(() => { tel.watchLcp(); tel.watchInp(); });
      await page.mouse.click(5, 5); // input ends LCP observation: web-vitals reports it when idle
      await page.evaluate(() => tel.lcpReported()); // ... and has (the SDK's observer first)
      // The click's INP handled while the page shows (telemetry-matrix closes without this wait).
      await page.evaluate(() => tel.inpProcessed());
      await page.evaluate(() => tel.record(3));
      await page.close({ runBeforeUnload: true });
      await waitFor(() => s.accepted() === 3, 'the unload batch');
      await new Promise((r) => setTimeout(r, 300)); // a later report (INP on pagehide) may follow
      const counts: Record<string, number> = {};
      // Each batch id once, as the collector counts (in worker mode the page and the worker may both send the unload batch).
      const batches = new Map(s.arrivals.map((a) => [a.batch.batchId, a.batch]));
      for (const b of batches.values()) for (const [k, v] of Object.entries(b.vitals ?? {})) counts[k] = (counts[k] ?? 0) + v!.count;
      vitals.push(counts);
    }
    expect(vitals[0]).toMatchObject({ TTFB: 1, FCP: 1, LCP: 1, INP: 1 }); // each once, as a sketch
    expect(vitals[1]).toEqual({});
  });

  test('page reloads during backoff: the outbox survives and the next page sends it, still honouring the wait', async () => {
    let open = false;
    const s = await sink(() => (open ? { status: 204 } : { status: 503, headers: { 'retry-after': '3' } }));
    const page = await openPage(browser.context, app.url);
    const opts = { endpoint: s.url, ...fast };
    await page.evaluate((o) => tel.start(o), opts);
    await page.evaluate(() => { tel.record(64); return tel.flush(); });
    expect(s.arrivals.map((a) => a.status)).toEqual([503]);
    open = true;
    await page.reload();
    await page.waitForFunction(() => 'tel' in globalThis);
    await page.evaluate((o) => tel.start(o), opts); // the app starts telemetry again on the new page
    await waitFor(() => s.accepted() === 64, 'the 64 predictions from before the reload');
    const ok = s.arrivals.find((a) => a.status === 204)!;
    expect(ok.at - s.arrivals[0]!.at).toBeGreaterThanOrEqual(2900); // Retry-After outlived the reload
    expect(ok.batch.batchId).toBe(s.arrivals[0]!.batch.batchId);
    await page.close();
  });

  test('a real model predict through createClient reaches the sink, and no input value or page URL is in any byte', async () => {
    const s = await sink();
    const page = await openPage(browser.context, app.url);
    const inputs = [0.314159, 2.718281, 1.414213, 1.732050];
    const r = await page.evaluate((o) => tel.runModel(o), { modelUrl: `${app.url}/static/layers-float32/model.json`, n: 25, inputs, telemetry: { endpoint: s.url, appKey: 'pk_e2e' } });
    await waitFor(() => s.accepted() === 25, '25 real predictions');
    const m = s.arrivals.flatMap((a) => a.batch.models).find((x) => x.predictions > 0)!;
    expect(m).toMatchObject({ model: r.id, backend: 'cpu', variant: 'direct', predictions: 25 });
    expect(r.joined).toEqual([true, true, true, true, true, false]); // client.feedback joins by prediction id
    expect(m.confusion!.filter(([, actual]) => actual === 'truth').reduce((n, c) => n + c[2], 0)).toBe(5);
    expect(s.arrivals.flatMap((a) => a.batch.loads).some((l) => l.model === r.id && l.source === 'network')).toBe(true);
    const bytes = s.arrivals.map((a) => a.raw).join('\n');
    const secrets = [...inputs.flatMap((v) => [String(v), v.toFixed(4)]), ...r.scores.slice(0, 5).map(String), app.url, '127.0.0.1'];
    for (const x of secrets) expect(bytes.includes(x), `"${x}" leaked`).toBe(false);
    expect(s.arrivals.every((a) => a.referer === undefined)).toBe(true); // no-referrer
    await page.close();
  });
});
