// The dashboard page in Debian's Chromium: it loads with the admin token from the URL
// fragment, draws every chart from report data (series colours present on each canvas), every
// range spans exactly that range on the time axis with the data drawn, a screenshot per range is
// saved under artifacts/, and without a token the page is one sign-in form.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_RANGES } from '../../src/collector/dashboard.js';
import { ADMIN, latencySketch, makeBatch, modelAggregate, startTestCollector, type TestCollector } from './helpers.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** Pixels of a chart's canvas within 30 of the colour rgb (opaque). */
function painted(page: Page, id: string, rgb: readonly number[]): Promise<number> {
  return page.evaluate(([sel, [r, g, b]]) => {
    const canvas = document.querySelector(`#${sel} canvas`) as HTMLCanvasElement | null;
    if (!canvas) return 0;
    const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i]! - r!) < 30 && Math.abs(d[i + 1]! - g!) < 30 && Math.abs(d[i + 2]! - b!) < 30 && d[i + 3]! > 200) n++;
    return n;
  }, [id, rgb] as const);
}
let c: TestCollector;
let browser: Browser;

beforeAll(async () => {
  c = await startTestCollector();
  const now = Date.now();
  for (let k = 0; k < 30; k++) {
    const end = now - k * 120_000;
    const slow = 1 + (k % 5) * 0.3;
    const r = await c.post(makeBatch({
      window: { start: end - 60_000, end },
      models: [
        modelAggregate({ predictions: 200, latency: latencySketch(Array.from({ length: 200 }, (_, i) => (4 + (i % 40)) * slow)), errors: k % 4 === 0 ? { PREDICT_FAILED: 3 } : {},
          features: { mean: [10, 100, 90] }, classes: { '3': 80, '7': 120 }, confusion: [['3', '3', 8], ['7', '7', 9], ['3', '7', 2]] }),
        modelAggregate({ backend: 'webgl', predictions: 50, latency: latencySketch(Array.from({ length: 50 }, () => 9)),
          importance: { r0c0: { sum: 4, n: 10 }, r1c1: { sum: 9, n: 10 } } }),
        modelAggregate({ version: '1.1.0', variant: 'candidate', predictions: 20, importance: { r0c0: { sum: 6, n: 10 }, r1c1: { sum: 2, n: 10 } } }),
      ],
    }));
    expect(r.status, await r.text()).toBe(200);
  }
  // Older traffic, one batch every 5 hours for 12 days, so the longer ranges have more than the last hour.
  for (let k = 1; k <= 58; k++) {
    const end = now - k * 5 * 3_600_000;
    const r = await c.post(makeBatch({ window: { start: end - 60_000, end }, models: [modelAggregate({ predictions: 100, latency: latencySketch(Array.from({ length: 100 }, (_, i) => 6 + (i % 30))) })] }));
    expect(r.status, await r.text()).toBe(200);
  }
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
});
afterAll(async () => { await browser?.close(); await c?.close(); });

describe('dashboard page', () => {
  it('draws every chart from report data', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${c.url}/#token=${ADMIN}`);
    await page.waitForSelector('body[data-ready]', { timeout: 90_000 });
    expect(await page.getAttribute('body', 'data-ready')).toBe('1');
    expect(page.url()).not.toContain(ADMIN); // the token is removed from the address bar
    mkdirSync(join(ROOT, 'artifacts'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'artifacts/collector-dashboard.png'), fullPage: true });
    const charts = { 'c-latency': [47, 126, 216], 'c-predictions': [30, 123, 52], 'c-errors': [196, 37, 37], 'c-drift': [242, 143, 67], 'c-accuracy': [30, 123, 52], 'c-backends': [47, 126, 216], 'c-importance': [128, 133, 233] };
    for (const [id, rgb] of Object.entries(charts)) {
      const points = Number(await page.getAttribute(`#${id}`, 'data-points'));
      expect(points, id).toBeGreaterThan(0);
      const n = await painted(page, id, rgb);
      expect(n, `${id} has pixels in its series colour`).toBeGreaterThan(30);
    }
    const kpis = await page.textContent('#kpis');
    expect(kpis).toContain('8500'); // 24 h: 30 batches x 270 predictions in the last hour + 4 x 100 at 5-20 h ago
    expect(errors).toEqual([]);
  });

  it('spans each range on the time axis and draws its data as bars and lines', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto(`${c.url}/#token=${ADMIN}`);
    await page.waitForSelector('body[data-ready="1"]', { timeout: 90_000 });
    for (const [label, ms] of DASHBOARD_RANGES) {
      const before = Date.now();
      await page.selectOption('#range', String(ms));
      await page.waitForSelector('body[data-ready="1"]', { timeout: 90_000 });
      await page.screenshot({ path: join(ROOT, `artifacts/collector-dashboard-${label.replace(' ', '')}.png`), fullPage: true });
      for (const id of ['c-latency', 'c-predictions', 'c-errors']) {
        const x = await page.$eval(`#${id}`, (el) => ({ min: Number((el as HTMLElement).dataset.xMin), max: Number((el as HTMLElement).dataset.xMax), step: Number((el as HTMLElement).dataset.stepMs) }));
        // The axis ends now and starts exactly one range earlier (uPlot's own scale, read back).
        expect(x.max, `${label} ${id} ends now`).toBeGreaterThanOrEqual(before - 1000);
        expect(x.max, `${label} ${id} ends now`).toBeLessThanOrEqual(Date.now() + 1000);
        expect(x.max - x.min, `${label} ${id} spans the range`).toBeCloseTo(ms, -3);
        expect(x.step, `${label} ${id} buckets`).toBeLessThanOrEqual(ms / 20); // enough buckets to draw a shape
      }
      // Drawn, not a lone dot: bars in the series colour cover real area at every range.
      expect(await painted(page, 'c-predictions', [30, 123, 52]), `${label} prediction bars`).toBeGreaterThan(150);
      expect(await painted(page, 'c-latency', [47, 126, 216]), `${label} p50 line`).toBeGreaterThan(30);
      const buckets = Number(await page.getAttribute('#c-predictions', 'data-points'));
      expect(buckets, `${label} buckets with predictions`).toBeGreaterThan(ms > 86_400_000 ? 5 : 1);
    }
    expect(errors).toEqual([]);
  });

  it('without a token shows one sign-in form, and signs in from it', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto(`${c.url}/`);
    await page.waitForSelector('body[data-ready="signin"]', { timeout: 90_000 });
    // Headless Chromium does not fetch icons itself; a browser window would, and got a 404.
    expect(await page.evaluate(async () => { const r = await fetch('/favicon.ico'); return [r.status, r.headers.get('content-type')]; })).toEqual([200, 'image/svg+xml']);
    expect(await page.isVisible('#signin')).toBe(true);
    expect(await page.textContent('#signin')).toMatch(/admin token/);
    // No empty chart cards or KPI tiles behind it.
    expect(await page.isVisible('#board')).toBe(false);
    expect(await page.isVisible('#model')).toBe(false);
    await page.screenshot({ path: join(ROOT, 'artifacts/collector-dashboard-signin.png') });
    await page.fill('#token', 'wrong-token-0123456789');
    await page.click('#go');
    await page.waitForSelector('body[data-ready="error"]', { timeout: 90_000 });
    expect(await page.textContent('#signin-error')).toMatch(/admin token is wrong/);
    expect(await page.isVisible('#signin')).toBe(true);
    await page.fill('#token', ADMIN);
    await page.click('#go');
    await page.waitForSelector('body[data-ready="1"]', { timeout: 90_000 });
    expect(await page.isVisible('#signin')).toBe(false);
    expect(await page.isVisible('#board')).toBe(true);
    expect(await page.textContent('#kpis')).toContain('predictions');
    // The only console errors allowed are the 401s of the wrong token just tried.
    expect(errors.filter((e) => !/401/.test(e))).toEqual([]);
  });

  it('says so when the token is wrong', async () => {
    const page = await browser.newPage();
    await page.goto(`${c.url}/#token=wrong-token`);
    await page.waitForSelector('body[data-ready]', { timeout: 90_000 });
    expect(await page.getAttribute('body', 'data-ready')).toBe('error');
    expect(await page.textContent('#status')).toMatch(/admin token is wrong/);
  });
});
