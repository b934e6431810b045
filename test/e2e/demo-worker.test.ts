// The evaluation page's "run in a worker" switch (#14.1), in Debian's Chromium against a real
// collector: the same drawings give the same digits on the main thread and in the worker; the
// page says where the model runs from what the client reported (its worker-started event), not
// from the switch; the backend comparison charts main-thread blocking in both modes; and what
// the demo's own fetch functions were for still works in the worker: a dropped folder loads
// (the worker asks the page for its files) and section 6 shows the batches the worker sent.
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/protocol/manifest-types.js';
import { drawOnPad, pickModel, startDemoStack, type DemoStack } from '../support/demo-server.js';
import { drawings, type Drawing } from '../support/digit-strokes.js';

const MODELS = resolve(process.env.INFERSCOPE_MODELS_DIR ?? 'models');
let stack: DemoStack;
let page: Page;
const errors: string[] = [];

beforeAll(async () => {
  mkdirSync('artifacts', { recursive: true });
  stack = await startDemoStack({ app: 'demoworker', key: 'pk_demo_worker_test', adminToken: 'worker-admin-token-0123456789abcdef', modelsDir: MODELS });
  page = await (await stack.browser.newContext({ viewport: { width: 1280, height: 1000 } })).newPage();
  page.on('pageerror', (e) => { errors.push(e.message); console.error('[page error]', e.message); });
  await page.goto(`${stack.demo.url}/`);
  await page.waitForSelector('body[data-ready="true"]');
}, 180_000);

afterAll(async () => { await stack?.close(); });

async function loadDigits(inWorker: boolean): Promise<void> {
  await pickModel(page, 'digits');
  await page.uncheck('#backend-webgpu'); // software WebGPU/WebGL here: slow, and not what this test is about
  await page.uncheck('#backend-webgl');
  await page.setChecked('#run-in-worker', inWorker);
  await loadPicked();
  expect(await page.textContent('#model-info')).toMatch(/runs digits@/);
}

/** Press Load and wait until it is done (the page keeps showing the old model until the new one runs). */
async function loadPicked(): Promise<void> {
  await page.click('#load'); // disabled while it loads
  await page.waitForFunction(() => !document.querySelector<HTMLButtonElement>('#load')!.disabled, undefined, { timeout: 90_000 });
  expect(await page.isHidden('#model-error'), (await page.textContent('#model-error')) ?? '').toBe(true); // the switch did not fail
}

/** Draw one generated drawing on the pad; the digit the page reads. */
const draw = (d: Drawing) => drawOnPad(page, d.strokes);

async function compare(): Promise<void> {
  await page.fill('#compare-runs', '10');
  await page.click('#compare');
  await page.waitForFunction(() => /backends ran the model/.test(document.querySelector('#compare-status')?.textContent ?? ''), undefined, { timeout: 120_000 });
}

// One of each digit: the two modes must agree on every one.
const sample = drawings({ perStyle: 1 }).filter((d, i, all) => all.findIndex((x) => x.digit === d.digit) === i);

describe('run in a worker', () => {
  let direct: string[] = [];

  it('on the main thread: the page says so, and the comparison charts its blocking', async () => {
    await loadDigits(false);
    expect(await page.getAttribute('#runs-in', 'data-in-worker')).toBe('false');
    expect(await page.textContent('#runs-in')).toMatch(/main thread/);
    direct = [];
    for (const d of sample) direct.push(await draw(d));
    await compare();
    expect(await page.getAttribute('#blocking-chart', 'data-where')).toBe('on the main thread');
    expect(Number(await page.getAttribute('#blocking-chart', 'data-samples'))).toBeGreaterThan(0);
  }, 300_000);

  it('in a worker: the client reports the worker, the same drawings give the same digits, and blocking is charted for both runs', async () => {
    await loadDigits(true);
    expect(await page.getAttribute('#runs-in', 'data-in-worker')).toBe('true');
    expect(await page.textContent('#runs-in')).toMatch(/in a worker/);
    // The page's own tfjs holds none of the model: it lives in the worker.
    expect(await page.textContent('#memory')).toMatch(/in the worker's tfjs engine/);
    const inWorker: string[] = [];
    for (const d of sample) inWorker.push(await draw(d));
    expect(inWorker).toEqual(direct);
    expect(inWorker.filter((got, i) => got === sample[i]!.digit).length).toBeGreaterThanOrEqual(sample.length - 2); // and they are digits read right
    await compare();
    const rows = await page.$$eval('#compare-table tbody tr', (trs) => trs.map((tr) => tr.querySelector('td')!.textContent));
    expect(rows).toEqual(['wasm', 'cpu']);
    expect(await page.getAttribute('#blocking-chart', 'data-where')).toBe('in a worker');
    expect(Number(await page.getAttribute('#blocking-chart', 'data-samples'))).toBeGreaterThan(0);
    expect(await page.locator('#blocking-chart canvas').count()).toBeGreaterThan(0);
    const table = await page.$$eval('#blocking-table tbody tr', (trs) => trs.map((tr) => tr.querySelector('td')!.textContent));
    expect(table).toEqual(['on the main thread', 'in a worker']);
    await page.screenshot({ path: 'artifacts/demo-worker.png', fullPage: true });
  }, 300_000);

  it('section 6 shows the batches the worker sent (the worker\'s telemetry fetch posts them to the page)', async () => {
    await page.click('#telemetry-flush');
    await page.waitForFunction(() => document.querySelector('#telemetry-json')?.textContent?.includes('"batchId"'), undefined, { timeout: 90_000 });
    const batch = JSON.parse((await page.textContent('#telemetry-json'))!) as { models: { model: string; predictions: number }[] };
    expect(batch.models.find((m) => m.model === 'digits')?.predictions).toBeGreaterThan(0);
  }, 180_000);

  it('a dropped folder loads in the worker (it asks the page for the files) and predicts', async () => {
    const manifest = JSON.parse(readFileSync(join(MODELS, 'manifest.json'), 'utf8')) as Manifest;
    const digits = manifest.models.digits!;
    await page.setInputFiles('#folder-input', dirname(join(MODELS, digits.versions[digits.channels.stable!.version]!.url)));
    await page.waitForFunction(() => /dropped folder/.test(document.querySelector<HTMLSelectElement>('#model-select')?.selectedOptions[0]?.textContent ?? ''));
    await loadPicked();
    expect(await page.textContent('#model-info')).toMatch(/runs [\w.-]+@files-[a-p]{12}/);
    expect(await page.getAttribute('#runs-in', 'data-in-worker')).toBe('true');
    const png = Buffer.from(await page.evaluate(() => {
      const c = document.createElement('canvas'); c.width = 28; c.height = 28;
      c.getContext('2d')!.fillRect(10, 4, 6, 20);
      return c.toDataURL('image/png').split(',')[1]!;
    }), 'base64');
    await page.setInputFiles('#image-input', { name: 'x.png', mimeType: 'image/png', buffer: png });
    await page.waitForSelector('#image-result .big', { timeout: 90_000 });
    expect(errors).toEqual([]);
  }, 180_000);
});
