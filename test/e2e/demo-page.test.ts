// The built evaluation page in Debian's Chromium against a real collector: pick the digits
// model, run its labelled sample set, and check that real numbers appear and agree across
// the page, the telemetry it shows and the collector's report. Also the drawing pad with its
// saliency heatmap, the backend comparison chart and the cache's evict button.
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright';
import type { Manifest } from '../../src/protocol/manifest-types.js';
import type { RunningCollector } from '../../src/collector/server.js';
import { drawOnPad, pickModel, startDemoStack, type DemoServer, type DemoStack } from '../support/demo-server.js';

const ADMIN = 'demo-admin-token-0123456789abcdef';
/** The models served (default the repo's models/; INFERSCOPE_MODELS_DIR to try another set). */
const MODELS = resolve(process.env.INFERSCOPE_MODELS_DIR ?? 'models');
const KEY = 'pk_demo_page_test';

let stack: DemoStack;
let collector: RunningCollector;
let demo: DemoServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  mkdirSync('artifacts', { recursive: true });
  stack = await startDemoStack({ app: 'demo', key: KEY, adminToken: ADMIN, modelsDir: MODELS });
  ({ collector, demo, browser } = stack);
  page = await (await browser.newContext({ viewport: { width: 1280, height: 1000 } })).newPage();
  page.on('console', (m) => { if (m.type() === 'error') console.error('[page]', m.text()); });
  page.on('pageerror', (e) => console.error('[page error]', e.message));
  await page.goto(`${demo.url}/`);
  await page.waitForSelector('body[data-ready="true"]');
});

afterAll(async () => {
  await stack?.close();
});

/** A vertical stroke down the middle of the pad (280x280 pad coordinates): a new prediction. */
const ONE = Array.from({ length: 9 }, (_, i): [number, number] => [140, 56 + i * 21]);

const percent = (s: string | null) => Number(/([\d.]+)%/.exec(s ?? '')?.[1]);

describe('evaluation page', () => {
  it('is cross-origin isolated and knows its collector', async () => {
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await page.textContent('#env')).toContain(collector.url);
  });

  it('loads digits, says which backend and why, and measures accuracy on the sample set', async () => {
    await pickModel(page, 'digits');
    // WebGPU and WebGL run on SwiftShader (software) here: slow for 300 CNN predictions on 2 cores.
    await page.uncheck('#backend-webgpu');
    await page.uncheck('#backend-webgl');
    await page.click('#load');
    await page.waitForSelector('#model-info .big', { timeout: 60_000 });
    expect(await page.textContent('#model-info .big')).toBe('wasm');
    // The progress bar was fed by the download (bytes from the network, then verified).
    expect(await page.getAttribute('#progress', 'data-steps')).toMatch(/download:network.*verify:network/);
    expect(await page.textContent('#model-info')).toMatch(/No backend was skipped|skipped backend/);
    expect(await page.textContent('#model-info')).toMatch(/loaded in [\d.]+ ms/);
    expect(await page.textContent('#memory')).toMatch(/[1-9]\d* tensors/);

    await page.click('#accuracy-run');
    await page.waitForSelector('#accuracy-value', { timeout: 60_000 });
    const accuracy = percent(await page.textContent('#accuracy-value'));
    expect(accuracy).toBeGreaterThanOrEqual(90); // the shipped digits model is >= 97% on held-out data
    expect(accuracy).toBeLessThanOrEqual(100);
    const rows = await page.$$eval('#accuracy-result tbody tr', (trs) => trs.length);
    expect(rows).toBe(10); // recall per true digit
    await page.screenshot({ path: 'artifacts/demo-digits.png', fullPage: true });
  });

  it('shows the decoded batch it sent, and the collector reports the same accuracy', async () => {
    const samples = Number((/(\d+) labelled samples/.exec((await page.textContent('#accuracy-source')) ?? '') ?? [])[1]);
    await page.click('#telemetry-flush');
    await page.waitForFunction(() => document.querySelector('#telemetry-json')?.textContent?.includes('"batchId"'), undefined, { timeout: 90_000 });
    const batch = JSON.parse((await page.textContent('#telemetry-json'))!) as { v: number; batchId: string; models: { model: string }[] };
    expect(batch.v).toBe(1);
    expect(batch.batchId).toMatch(/^[0-9a-f]{16,}$/);
    expect(batch.models.map((m) => m.model)).toContain('digits');
    // Batches leave every 10 s too: the summary adds up every batch shown.
    await page.waitForFunction((n) => Number(/for (\d+) predictions/.exec(document.querySelector('#telemetry-summary')?.textContent ?? '')?.[1]) >= n, samples, { timeout: 90_000 });

    await page.click('#report-refresh');
    await page.waitForSelector('#report-accuracy', { timeout: 90_000 });
    expect(Number(await page.textContent('#report-predictions'))).toBeGreaterThanOrEqual(samples);
    // Same labels, same predictions: the collector's confusion counts give the page's accuracy.
    expect(percent(await page.textContent('#report-accuracy'))).toBe(percent(await page.textContent('#accuracy-value')));
  });

  it('predicts a digit drawn on the pad and explains it with a heatmap', async () => {
    await page.locator('#digit-pad').scrollIntoViewIfNeeded();
    const box = (await page.locator('#digit-pad').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.15);
    await page.mouse.down();
    for (let i = 1; i <= 10; i++) await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * (0.15 + i * 0.07));
    await page.mouse.up();
    await page.waitForSelector('#digit-result .big', { timeout: 90_000 });
    expect(await page.textContent('#digit-result .big')).toMatch(/^[0-9]$/);
    await page.click('#try button:has-text("Explain")');
    await page.waitForSelector('#try canvas[title^="saliency"]', { timeout: 90_000 });
    // The heatmap marks pixels: some red is painted on it.
    const red = await page.$eval('#try canvas[title^="saliency"]', (c) => {
      const d = (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 280, 280).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i]! > 150 && d[i + 1]! < 120) n++;
      return n;
    });
    expect(red).toBeGreaterThan(50);
    await page.screenshot({ path: 'artifacts/demo-pad.png', fullPage: true });
  });

  it('does not count a send that failed as bytes on the wire', async () => {
    const summary = async () => (await page.textContent('#telemetry-summary'))!;
    const wire = (t: string) => /([\d.]+ (?:B|KiB|MiB)) on the wire for (\d+)/.exec(t)!.slice(1);
    await drawOnPad(page, [ONE]); // a new prediction for the next batch
    const before = wire(await summary());
    const rows = await page.locator('#telemetry-list tbody tr').count();
    await page.route(`${collector.url}/v1/batches**`, (r) => r.abort('internetdisconnected'));
    await page.click('#telemetry-flush');
    await page.waitForFunction((n) => document.querySelectorAll('#telemetry-list tbody tr').length > n, rows, { timeout: 90_000 });
    const row = await page.$$eval('#telemetry-list tbody tr', (trs) => [...trs.at(-1)!.querySelectorAll('td')].map((td) => td.textContent));
    expect(row[1]).toBe('network error');
    expect(row[2]).toMatch(/^not sent/);
    expect(wire(await summary())).toEqual(before);
    expect(await summary()).toMatch(/\d+ send\(s\) failed before reaching the collector/);
    await page.unroute(`${collector.url}/v1/batches**`);
  });

  it('counts the predictions of a batch the collector refused as bytes sent, not as predictions delivered', async () => {
    await drawOnPad(page, [ONE]);
    const rows = await page.locator('#telemetry-list tbody tr').count();
    await page.route(`${collector.url}/v1/batches**`, (r) => r.fulfill({ status: 503, contentType: 'application/json', body: '{"error":{"code":"UNAVAILABLE","message":"try later"}}' }));
    await page.click('#telemetry-flush');
    await page.waitForFunction((n) => [...document.querySelectorAll('#telemetry-list tbody tr')].slice(n).some((tr) => tr.children[1]?.textContent === '503'), rows, { timeout: 90_000 });
    await page.unroute(`${collector.url}/v1/batches**`);
    // Retries of earlier batches may arrive meanwhile: compare the summary with the table itself.
    const table = await page.$$eval('#telemetry-list tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    const summary = (await page.textContent('#telemetry-summary'))!;
    const refused = table.filter((r) => r[1] === '503');
    expect(refused.some((r) => Number(r[4]) > 0)).toBe(true);
    for (const r of refused) expect(r[2]).toMatch(/^[\d.]+ (B|KiB)$/); // it did travel
    const delivered = table.filter((r) => /^2\d\d$/.test(r[1]!)).reduce((a, r) => a + Number(r[4]), 0);
    expect(Number(/on the wire for (\d+) predictions/.exec(summary)?.[1])).toBe(delivered);
    expect(summary).toMatch(/\d+ refused by the collector/);
  });

  it('times the model on each ticked backend and charts the latency distribution', async () => {
    await page.fill('#compare-runs', '20');
    await page.click('#compare');
    await page.waitForFunction(() => /backends ran the model/.test(document.querySelector('#compare-status')?.textContent ?? ''), undefined, { timeout: 60_000 });
    const rows = await page.$$eval('#compare-table tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(rows.map((r) => r[0])).toEqual(['wasm', 'cpu']);
    for (const r of rows) {
      expect(r[1]).toMatch(/[\d.]+ ms/); // load
      expect(r[2]).toMatch(/[\d.]+ ms/); // p50
      expect(r[5]).toBe('20');
    }
    expect(await page.locator('#compare-chart canvas').count()).toBeGreaterThan(0);
    // A log y axis (a slow backend does not squash the others to 0) and each median in the legend.
    expect(await page.getAttribute('#compare-chart', 'data-y-scale')).toBe('log');
    const legend = await page.textContent('#compare-chart .u-legend');
    expect(legend).toMatch(/wasm \(p50 [\d.]+ ms\)/);
    expect(legend).toMatch(/cpu \(p50 [\d.]+ ms\)/);
  });

  it('lists the cached version with its bytes and evicts it', async () => {
    await page.click('#cache-refresh');
    await page.waitForSelector('#cache-total');
    expect(await page.textContent('#cache-table')).toContain('digits');
    expect(await page.textContent('#cache-total')).toMatch(/[\d.]+ (KiB|MiB)/);
    await page.click('#cache-table button.evict');
    await page.waitForSelector('#cache-empty');
  });

  it('loads a TF.js model folder picked from disk and predicts with it', async () => {
    const manifest = JSON.parse(readFileSync(join(MODELS, 'manifest.json'), 'utf8')) as Manifest;
    const digits = manifest.models.digits!;
    const folder = dirname(join(MODELS, digits.versions[digits.channels.stable!.version]!.url));
    await page.setInputFiles('#folder-input', folder);
    await page.waitForFunction(() => /dropped folder/.test(document.querySelector<HTMLSelectElement>('#model-select')?.selectedOptions[0]?.textContent ?? ''));
    await page.click('#load');
    // digits stays on show until the dropped model replaces it.
    await page.waitForFunction(() => /runs [\w.-]+@files-[a-p]{12}/.test(document.querySelector('#model-info')?.textContent ?? ''), undefined, { timeout: 60_000 });
    // A [28, 28, 1] input takes a picture (demo-dropped.test.ts covers the rest of #13.6).
    const png = Buffer.from(await page.evaluate(() => {
      const c = document.createElement('canvas'); c.width = 28; c.height = 28;
      c.getContext('2d')!.fillRect(10, 4, 6, 20);
      return c.toDataURL('image/png').split(',')[1]!;
    }), 'base64');
    await page.setInputFiles('#image-input', { name: 'x.png', mimeType: 'image/png', buffer: png });
    await page.waitForSelector('#image-result .big');
  });

  it('with "fastest", says which backend it timed and picked, and what tf.memory() describes', async () => {
    await pickModel(page, 'digits');
    await page.check('#backend-webgpu'); // first preference; software WebGPU here, so rarely the fastest
    await page.check('#backend-wasm');
    await page.uncheck('#backend-webgl');
    await page.uncheck('#backend-cpu');
    await page.selectOption('#policy', 'fastest');
    await page.click('#load');
    await page.waitForFunction(() => /runs digits@/.test(document.querySelector('#model-info')?.textContent ?? ''), undefined, { timeout: 180_000 });
    const text = (await page.textContent('#model-info'))!;
    const backend = (await page.textContent('#model-info .big'))!;
    // The words match what happened: "first preference" only when the first preference runs it.
    if (backend === 'webgpu') expect(text).toMatch(/first preference \(webgpu\) passed its self-test/);
    else expect(text).toMatch(/Policy "fastest" timed the model on every ticked backend .* picked wasm, the fastest on this device \(ahead of webgpu in your order\)/);
    expect(text).not.toMatch(/backend says: unreliable/);
    expect(await page.textContent('#memory')).toMatch(/tf\.memory\(\) of the page's tfjs engine, now on \w+/);
    await page.screenshot({ path: 'artifacts/demo-fastest.png', fullPage: true });
  });
});
