// A model folder dropped on the evaluation page (#13.6): nothing is sent about it unless the
// person opts in, and then under the id they type (refused when the collector would refuse
// it or it could identify someone); dropping the same folder again is the same version and
// the same cache row; a picture-shaped input gets an image picker; a model without a labels
// file says so, and one with labels.txt shows the names.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright';
import type { Manifest } from '../../src/protocol/manifest-types.js';
import type { RunningCollector } from '../../src/collector/server.js';
import { startDemoStack, type DemoServer, type DemoStack } from '../support/demo-server.js';

const MODELS = resolve(process.env.INFERSCOPE_MODELS_DIR ?? 'models');
const ADMIN = 'dropped-admin-token-0123456789abcdef';
const KEY = 'pk_demo_dropped_test';

function folderOf(id: string): string {
  const m = JSON.parse(readFileSync(join(MODELS, 'manifest.json'), 'utf8')) as Manifest;
  const model = m.models[id]!;
  return dirname(join(MODELS, model.versions[model.channels.stable!.version]!.url));
}

let stack: DemoStack;
let collector: RunningCollector;
let demo: DemoServer;
let browser: Browser;
let page: Page;
let tmp: string;
const sentModels: string[] = [];

async function collectorModels(): Promise<string[]> {
  const res = await fetch(`${collector.url}/v1/models`, { headers: { authorization: `Bearer ${ADMIN}` } });
  const body = await res.json() as { models: ({ id?: string; model?: string } | string)[] };
  return body.models.map((m) => (typeof m === 'string' ? m : m.id ?? m.model ?? JSON.stringify(m)));
}

async function drop(folder: string): Promise<void> {
  await page.$eval('#load-status', (s) => { s.textContent = ''; });
  await page.setInputFiles('#folder-input', folder);
  await page.waitForFunction(() => /read from disk|not/.test(document.querySelector('#load-status')?.textContent ?? ''));
}

async function load(): Promise<void> {
  await page.click('#load');
  // Disabled while it runs; the previous model stays on show until the new one replaces it.
  await page.waitForSelector('#load:enabled', { timeout: 60_000 });
}

/** A PNG of a digit-like stroke, made by Chromium's own canvas. */
async function strokePng(): Promise<Buffer> {
  const b64 = await page.evaluate(() => {
    const c = document.createElement('canvas'); c.width = 140; c.height = 140;
    const x = c.getContext('2d')!; x.fillStyle = '#000'; x.fillRect(0, 0, 140, 140);
    x.strokeStyle = '#fff'; x.lineWidth = 14; x.beginPath(); x.moveTo(70, 20); x.lineTo(70, 120); x.stroke();
    return c.toDataURL('image/png').split(',')[1]!;
  });
  return Buffer.from(b64, 'base64');
}

beforeAll(async () => {
  mkdirSync('artifacts', { recursive: true });
  tmp = mkdtempSync(join(tmpdir(), 'inferscope-dropped-'));
  stack = await startDemoStack({ app: 'demo', key: KEY, adminToken: ADMIN, modelsDir: MODELS });
  ({ collector, demo, browser } = stack);
  page = await (await browser.newContext({ viewport: { width: 1280, height: 1000 } })).newPage();
  page.on('pageerror', (e) => console.error('[page error]', e.message));
  page.on('request', (r) => { if (r.url().includes('/v1/batches')) sentModels.push(r.url()); });
  await page.goto(`${demo.url}/`);
  await page.waitForSelector('body[data-ready="true"]');
  await page.uncheck('#backend-webgpu');
  await page.uncheck('#backend-webgl');
}, 300_000);

afterAll(async () => {
  await stack?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('dropped model folders', () => {
  it('sends nothing without opt-in, is one version and one cache row however often it is dropped, and gets an image picker', async () => {
    const digits = folderOf('digits');
    await drop(digits);
    await drop(digits);
    const droppedOptions = await page.$$eval('#model-select option', (os) => os.filter((o) => /dropped folder/.test(o.textContent ?? '')).length);
    expect(droppedOptions).toBe(1);
    expect(await page.isChecked('#drop-telemetry')).toBe(false);
    await load();
    expect(await page.textContent('#model-info')).toMatch(/runs [\w-]+@files-[a-p]{12}/);
    expect(await page.textContent('#load-status')).toMatch(/no telemetry is sent/);

    // [28, 28, 1]: a picture goes in, not random numbers.
    expect(await page.locator('#try button:has-text("Predict one example")').count()).toBe(0);
    await page.setInputFiles('#image-input', { name: 'one.png', mimeType: 'image/png', buffer: await strokePng() });
    await page.waitForSelector('#image-result .big');
    expect(await page.locator('#image-view').count()).toBe(1);
    expect(await page.textContent('#labels-note')).toMatch(/Labels missing/);

    // Dropped again and loaded again (the old client flushes on dispose): still one cache row.
    await drop(digits);
    await load();
    await page.click('#cache-refresh');
    await page.waitForSelector('#cache-total');
    const versions = await page.$$eval('#cache-table tbody tr td:nth-child(2)', (tds) => tds.map((t) => t.textContent ?? '').filter((v) => v.startsWith('files-') || v === 'dropped' || /^[0-9a-f]{12}$/.test(v)));
    expect(versions).toHaveLength(1);
    await page.screenshot({ path: 'artifacts/demo-dropped.png', fullPage: true });

    // Nothing reached the collector about the dropped model.
    expect(sentModels).toEqual([]);
    expect(await collectorModels()).toEqual([]);
  }, 240_000);

  it('refuses a model id the collector would refuse or that could identify someone, then sends under the typed id', async () => {
    await page.check('#drop-telemetry');
    for (const bad of ['me@example.com', 'models/uint8', 'http:x', 'has space', '', 'id-5551234567']) {
      await page.fill('#drop-model-id', bad);
      await page.click('#load');
      await page.waitForSelector('#load-status.error');
      expect(await page.textContent('#load-status')).toMatch(/model id ".*" (is not allowed|contains)/);
    }
    await page.fill('#drop-model-id', 'my-digits');
    await load();
    expect(await page.textContent('#load-status')).toMatch(/as my-digits@files-[a-p]{12}/);
    await page.setInputFiles('#image-input', { name: 'one.png', mimeType: 'image/png', buffer: await strokePng() });
    await page.waitForSelector('#image-result .big');
    await page.evaluate(() => new Promise((r) => setTimeout(r, 50)));
    await load(); // disposing the previous client flushes its telemetry
    const end = Date.now() + 60_000;
    let models: string[] = [];
    while (Date.now() < end && !(models = await collectorModels()).includes('my-digits')) await new Promise((r) => setTimeout(r, 300));
    expect(models).toEqual(['my-digits']);
  }, 240_000);

  it('a tabular model says its labels are missing, and names classes from a labels.txt dropped with it', async () => {
    await page.uncheck('#drop-telemetry');
    const penguins = folderOf('penguins');
    await drop(penguins);
    await load();
    expect(await page.textContent('#labels-note')).toMatch(/Labels missing/);
    await page.click('#try button:has-text("Predict one example")');
    await page.waitForSelector('#try .bars');
    expect(await page.$$eval('#try .bars > span:nth-child(3n+1)', (xs) => xs.map((x) => x.textContent))).toEqual(expect.arrayContaining(['0']));

    const labelled = join(tmp, 'penguins-labelled');
    cpSync(penguins, labelled, { recursive: true });
    writeFileSync(join(labelled, 'labels.txt'), 'Adelie\nChinstrap\nGentoo\n');
    await drop(labelled);
    await load();
    expect(await page.textContent('#labels-note')).toMatch(/labels file \(3\)/);
    await page.click('#try button:has-text("Predict one example")');
    await page.waitForSelector('#try .bars');
    const shown = await page.$$eval('#try .bars > span:nth-child(3n+1)', (xs) => xs.map((x) => x.textContent));
    expect(shown.length).toBeGreaterThan(0);
    for (const l of shown) expect(['Adelie', 'Chinstrap', 'Gentoo']).toContain(l);
  }, 240_000);
});
