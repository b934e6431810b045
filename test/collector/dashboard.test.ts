// The dashboard page in Debian's Chromium: it loads with the admin token from the URL
// fragment, draws every chart from report data (series colours present on each canvas),
// and a screenshot is saved under artifacts/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, latencySketch, makeBatch, modelAggregate, startTestCollector, type TestCollector } from './helpers.js';

const ROOT = join(import.meta.dirname, '..', '..');
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
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
});
afterAll(async () => { await browser?.close(); await c?.close(); });

describe('dashboard page', () => {
  it('draws every chart from report data', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${c.url}/#token=${ADMIN}`);
    await page.waitForSelector('body[data-ready]', { timeout: 20_000 });
    expect(await page.getAttribute('body', 'data-ready')).toBe('1');
    expect(page.url()).not.toContain(ADMIN); // the token is removed from the address bar
    mkdirSync(join(ROOT, 'artifacts'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'artifacts/collector-dashboard.png'), fullPage: true });
    const charts = { 'c-latency': [47, 126, 216], 'c-predictions': [30, 123, 52], 'c-errors': [196, 37, 37], 'c-drift': [242, 143, 67], 'c-accuracy': [30, 123, 52], 'c-backends': [47, 126, 216], 'c-importance': [128, 133, 233] };
    for (const [id, rgb] of Object.entries(charts)) {
      const points = Number(await page.getAttribute(`#${id}`, 'data-points'));
      expect(points, id).toBeGreaterThan(0);
      const painted = await page.evaluate(([sel, [r, g, b]]) => {
        const canvas = document.querySelector(`#${sel} canvas`) as HTMLCanvasElement | null;
        if (!canvas) return 0;
        const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i]! - r!) < 30 && Math.abs(d[i + 1]! - g!) < 30 && Math.abs(d[i + 2]! - b!) < 30 && d[i + 3]! > 200) n++;
        return n;
      }, [id, rgb] as const);
      expect(painted, `${id} has pixels in its series colour`).toBeGreaterThan(30);
    }
    const kpis = await page.textContent('#kpis');
    expect(kpis).toContain('8100'); // 30 batches x 270 predictions
    expect(errors).toEqual([]);
  });

  it('says so when the token is wrong', async () => {
    const page = await browser.newPage();
    await page.goto(`${c.url}/#token=wrong-token`);
    await page.waitForSelector('body[data-ready]', { timeout: 20_000 });
    expect(await page.getAttribute('body', 'data-ready')).toBe('error');
    expect(await page.textContent('#status')).toMatch(/admin token is wrong/);
  });
});
