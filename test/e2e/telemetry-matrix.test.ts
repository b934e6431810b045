// The telemetry guarantee, proved in Chromium against the REAL collector (startCollector,
// SQLite) on another origin, through a fault proxy the test controls (test/support/
// fault-proxy.ts). Every case: predictions made == predictions the collector's report
// counts, no batch counted twice (the proxy sees each batch id counted at most once), and
// the time from recovery to full delivery is printed. Timers are compressed via options.
// Worker mode (describe.each below): the same cases with telemetry in a module worker and the
// page's events (pagehide, visibilitychange, web-vitals) forwarded by the SDK's proxy code, as in
// telemetry-chromium.test.ts; each mode counts its own models (suffix) in the one collector.
import type { Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Fault, FaultProxy } from '../support/fault-proxy.js';
import { closeTab, openPage as open, startCollectorRig, type Browser, type CollectorRig } from './telemetry-harness.js';

declare const tel: any; // window.tel in the page (telemetry-page.ts)

const ADMIN = 'admin-token-telemetry-matrix-0001';
const KEY = 'pk_e2e_telemetry_matrix';
const fast = { appKey: KEY, flushIntervalMs: 60_000, retry: { baseMs: 200, maxMs: 1000 } };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let rig: CollectorRig;
let browser: Browser;
let app: CollectorRig['app'];

// Only the page's origin may post: the proxy's port is another origin, so every POST is a
// real cross-origin request with a preflight, answered by the collector's CORS setup.
beforeAll(async () => { rig = await startCollectorRig('matrix', ADMIN, KEY); ({ browser, app } = rig); });
afterAll(() => rig?.close());

const proxy = (fault: Fault | ((n: number) => Fault) = 'pass') => rig.proxy(fault);
const counted = (model: string) => rig.counted(model);

/** Each case has its own proxy (so its own endpoint, outbox and stash) and its own model. */
const start = (page: Page, p: FaultProxy, extra: object = {}) =>
  page.evaluate((o) => tel.start(o), { endpoint: `${p.url}/v1/batches`, ...fast, ...extra });
// Awaits the recording: in worker mode it is a message to the worker, which must have recorded
// before the test closes the page (as an app's awaited predict() has).
const record = (page: Page, model: string, n: number, from = 0, flush = true, labelChars = 0) =>
  page.evaluate(async ([m, k, f, fl, lc]) => { await tel.record(k, f, m, lc); if (fl) await tel.flush(); }, [model, n, from, flush, labelChars] as const);
async function reload(page: Page, p: FaultProxy, extra: object = {}) {
  await page.reload();
  await page.waitForFunction(() => 'tel' in globalThis);
  await start(page, p, extra); // the app starts telemetry again on the new page
}


/**
 * Waits until the collector counts `made` predictions of `model`, prints how long that took
 * after `recovered`, and checks that no batch was counted twice: the count stays exact and
 * the collector said "counted" at most once per batch id.
 */
async function delivered(name: string, p: FaultProxy, model: string, made: number, recovered: number, withinMs = 60_000): Promise<number> {
  let n = 0;
  while ((n = await counted(model)) < made) {
    if (Date.now() - recovered > withinMs) throw new Error(`${name}: the collector counted ${n} of ${made} predictions ${withinMs} ms after recovery`);
    await sleep(100);
  }
  const ms = Date.now() - recovered;
  console.log(`[telemetry matrix] ${name}: ${made} of ${made} predictions counted ${ms} ms after recovery (${p.posts.length} POSTs, ${p.posts.filter((x) => x.counted === false).length} deduplicated)`);
  await sleep(400); // let any late retry land before the final count
  expect(await counted(model)).toBe(made);
  const ids = p.posts.filter((x) => x.counted === true).map((x) => x.batchId);
  expect(new Set(ids).size, 'a batch id counted twice').toBe(ids.length);
  return ms;
}

describe.each([{ mode: 'direct', query: '', suffix: '' }, { mode: 'worker', query: '?mode=worker', suffix: '-w' }])('telemetry matrix: Chromium, real collector on another origin, fault proxy, $mode mode', ({ query, suffix }) => {
  const openPage = (context: Parameters<typeof open>[0], url: string) => open(context, url, query);
  /** This mode's name of a case's model. */
  const m = (name: string) => name + suffix;
  test('500 for a while: retried until it works; accepted POSTs raise no requestfailed', async () => {
    const p = await proxy({ status: 500 });
    const page = await openPage(browser.context, app.url);
    const failed: string[] = [];
    page.on('requestfailed', (r) => failed.push(`${r.method()} ${r.url()} ${r.failure()?.errorText}`));
    await start(page, p);
    for (let i = 0; i < 4; i++) await record(page, m('m-500'), 25, i * 25);
    await sleep(1500);
    // A POST the proxy took but has not answered yet (answer 0: it is fetching the collector's CORS
    // headers, slow on a loaded machine) gets its 500 too: wait for the answers before judging them.
    for (const end = Date.now() + 60_000; p.posts.some((x) => x.answer === 0) && Date.now() < end;) await sleep(50);
    expect(p.posts.map((x) => x.answer).filter((a) => a !== 500)).toEqual([]);
    await p.set('pass');
    await delivered('500 for a while', p, m('m-500'), 100, Date.now());
    expect(failed).toEqual([]); // the transport reads each answer's body instead of cancelling it
    await page.close();
  });

  test('429 with Retry-After: 3 — no POST before it ends, also from the page after a reload', async () => {
    const p = await proxy((n) => (n === 0 ? { status: 429, headers: { 'retry-after': '3' } } : 'pass'));
    const page = await openPage(browser.context, app.url);
    await start(page, p);
    await record(page, m('m-429'), 20);
    const told = p.posts[0]!.answeredAt;
    await record(page, m('m-429'), 20, 20); // during the wait: to the outbox
    await reload(page, p);
    await record(page, m('m-429'), 20, 40); // a new page inherits the wait
    await delivered('429 Retry-After across a reload', p, m('m-429'), 60, told + 3000);
    const later = p.posts.slice(1).map((x) => x.at);
    expect(later.length).toBeGreaterThan(0);
    expect(Math.min(...later) - told, 'ms from the 429 to the next POST').toBeGreaterThanOrEqual(3000 - 20);
    await page.close();
  });

  test('refused while pages close; a page opened after recovery delivers what they left', async () => {
    const p = await proxy('refuse');
    const a = await openPage(browser.context, app.url);
    await start(a, p);
    await record(a, m('m-refused'), 40, 0, false);
    await closeTab(a);
    const b = await openPage(browser.context, app.url);
    await start(b, p);
    await record(b, m('m-refused'), 30, 40); // fails: into the outbox
    await record(b, m('m-refused'), 20, 70, false); // still in memory at close
    await closeTab(b);
    await sleep(500);
    await p.set('pass');
    const t = Date.now();
    const c = await openPage(browser.context, app.url);
    await start(c, p);
    await delivered('refused while pages close', p, m('m-refused'), 90, t);
    await c.close();
  });

  test('close right after predicting', async () => {
    const p = await proxy('pass');
    const page = await openPage(browser.context, app.url);
    await start(page, p);
    await record(page, m('m-close'), 333, 0, false);
    const t = Date.now();
    await closeTab(page);
    await delivered('close right after predicting', p, m('m-close'), 333, t);
  });

  test('three tabs, collector flapping (500 / refused / up): each batch sent until accepted, then never again', async () => {
    const p = await proxy('pass');
    const tabs = [];
    for (let i = 0; i < 3; i++) { const t = await openPage(browser.context, app.url); await start(t, p); tabs.push(t); }
    const faults: Fault[] = [{ status: 500 }, 'refuse', 'pass'];
    let k = 0;
    const flap = setInterval(() => void p.set(faults[k++ % faults.length]!), 300);
    for (let round = 0; round < 6; round++) {
      await Promise.all(tabs.map((t, i) => t.evaluate(async ([f, model]) => { await tel.record(10, f, model); void tel.flush(); }, [i * 1000 + round * 10, m('m-tabs')] as const)));
      await sleep(250);
    }
    clearInterval(flap);
    await p.set('pass');
    await delivered('three tabs, flapping', p, m('m-tabs'), 180, Date.now());
    // One tab drains the shared outbox at a time (Web Locks): no accepted batch is sent again.
    const accepted = p.posts.filter((x) => typeof x.answer === 'number' && x.answer < 300).map((x) => x.batchId);
    expect(new Set(accepted).size, 'batch ids sent again after the collector accepted them').toBe(accepted.length);
    for (const t of tabs) await t.close();
  });

  test('offline, then online: sent soon after the online event, not after the backoff', async () => {
    const p = await proxy('pass');
    const page = await openPage(browser.context, app.url);
    // A first retry 60-120 s out, so 'soon after online' can have a limit (40 s) that a loaded CI
    // machine never reaches and the backoff alone never meets (it was 15-30 s against 10 s).
    await start(page, p, { retry: { baseMs: 120_000, maxMs: 240_000 } });
    await browser.context.setOffline(true);
    try {
      await record(page, m('m-offline'), 25);
      await record(page, m('m-offline'), 25, 25);
      expect(p.posts).toHaveLength(0);
    } finally {
      await browser.context.setOffline(false); // the later cases share this browser
    }
    await delivered('offline then online', p, m('m-offline'), 50, Date.now(), 40_000); // the backoff alone: >= 60 s
    await page.close();
  });

  test('reloads during a backoff', async () => {
    const p = await proxy({ status: 500 });
    const page = await openPage(browser.context, app.url);
    await start(page, p);
    await record(page, m('m-reload'), 30);
    await reload(page, p);
    await record(page, m('m-reload'), 30, 30);
    await reload(page, p);
    await record(page, m('m-reload'), 30, 60, false); // still in memory when the page reloads
    await reload(page, p);
    await p.set('pass');
    await delivered('reloads during a backoff', p, m('m-reload'), 90, Date.now());
    await page.close();
  });

  test('connection cut after the collector stored the batch: the retry is deduplicated', async () => {
    const p = await proxy((n) => (n < 2 ? 'cut' : 'pass'));
    const page = await openPage(browser.context, app.url);
    await start(page, p);
    await record(page, m('m-cut'), 50);
    await record(page, m('m-cut'), 50, 50);
    while (p.posts.length < 2) await sleep(50);
    await delivered('connection cut after storing', p, m('m-cut'), 100, p.posts[1]!.answeredAt);
    expect(p.posts.some((x) => x.counted === false)).toBe(true); // the collector saw a batch again
    await page.close();
  });

  test('a batch over the 64 KiB keepalive budget at unload: beacon or stash, delivered', async () => {
    const p = await proxy('pass');
    const page = await openPage(browser.context, app.url);
    await start(page, p);
    await record(page, m('m-big'), 900, 0, false, 80); // one label per prediction: ~90 KB of JSON
    const t = Date.now();
    await closeTab(page);
    await sleep(500);
    const next = await openPage(browser.context, app.url);
    await start(next, p);
    await delivered('over the keepalive budget at unload', p, m('m-big'), 900, t);
    // The fallback ran: keepalive was skipped (over budget) and sendBeacon was asked.
    const beacons = await next.evaluate(() => tel.beacons());
    console.log(`[telemetry matrix] over the keepalive budget: sendBeacon calls ${JSON.stringify(beacons)}, POSTs ${JSON.stringify(p.posts.map((x) => x.contentType))}`);
    expect(beacons.length).toBeGreaterThan(0);
    await next.close();
  });

  test('keepalive budget exhausted at unload: the next batch falls back, and nothing is lost', async () => {
    const p = await proxy({ slowMs: 3000 });
    const page = await openPage(browser.context, app.url);
    await start(page, p);
    await record(page, m('m-exhausted'), 400, 0, false, 80);
    void page.evaluate(() => tel.flush()).catch(() => {}); // ~36 KB in flight, answered only after 3 s
    while (p.posts.length < 1) await sleep(50);
    await record(page, m('m-exhausted'), 400, 400, false, 80); // another ~36 KB: over the budget with the first
    await closeTab(page);
    await p.set('pass');
    const t = Date.now();
    const next = await openPage(browser.context, app.url);
    await start(next, p);
    await delivered('keepalive exhausted at unload', p, m('m-exhausted'), 800, t);
    const beacons = await next.evaluate(() => tel.beacons());
    console.log(`[telemetry matrix] keepalive exhausted: sendBeacon calls ${JSON.stringify(beacons)}, POSTs ${JSON.stringify(p.posts.map((x) => [x.contentType, x.bytes]))}`);
    expect(beacons.length).toBeGreaterThan(0);
    await next.close();
  });

  test('final INP and CLS at a tab close while the collector refuses: delivered by the next page', async () => {
    const p = await proxy('refuse');
    const page = await openPage(browser.context, app.url);
    await page.evaluate(() => tel.paint());
    await start(page, p, { webVitals: true });
    await page.evaluate(() => tel.painted()); // FCP and LCP exist to be observed
    await page.evaluate(() => tel.watchLcp());
    await page.mouse.click(5, 5); // input ends LCP observation: web-vitals reports it when idle
    await page.evaluate(() => tel.lcpReported()); // ... and has (the SDK's observer first)
    // No wait for the click's INP: web-vitals handles it in an idle callback that may still be
    // waiting when the tab closes (it was, 4 of 4 quiet runs, before the SDK took INP's update at hide).
    await record(page, m('m-vitals'), 5, 0, false);
    await closeTab(page); // Chromium: pagehide, then visibilitychange (INP, CLS)
    await sleep(500);
    await p.set('pass');
    const t = Date.now();
    const next = await openPage(browser.context, app.url);
    await start(next, p);
    await delivered('final vitals at a tab close', p, m('m-vitals'), 5, t);
    const names = new Set(p.posts.filter((x) => x.counted === true).flatMap((x) => x.vitals));
    expect([...names].sort()).toEqual(expect.arrayContaining(['CLS', 'INP', 'LCP']));
    await next.close();
  });
});
