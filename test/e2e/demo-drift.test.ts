// The tabular model on the evaluation page: predict and explain from the form, then the drift
// control — inputs shifted by 2.5 standard deviations must raise the drift score the
// collector reports (computed from the bins the SDK sent) above the unshifted run's.
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright';
import type { Manifest } from '../../src/protocol/manifest-types.js';
import type { RunningCollector } from '../../src/collector/server.js';
import { pickModel, startDemoStack, type DemoServer, type DemoStack } from '../support/demo-server.js';

const MODELS = resolve(process.env.INFERSCOPE_MODELS_DIR ?? 'models');
const ADMIN = 'drift-admin-token-0123456789abcdef';
const KEY = 'pk_demo_drift_test';

/** The first manifest model whose stable version takes named tabular features and has a baseline. */
function tabularModel(): { id: string; features: string[] } {
  const m = JSON.parse(readFileSync(join(MODELS, 'manifest.json'), 'utf8')) as Manifest;
  for (const [id, model] of Object.entries(m.models)) {
    const v = model.versions[model.channels.stable?.version ?? ''];
    const features = v?.inputs[0]?.features;
    if (features && v.baseline) return { id, features };
  }
  throw new Error(`${MODELS}/manifest.json has no tabular model with a drift baseline`);
}

let stack: DemoStack;
let collector: RunningCollector;
let demo: DemoServer;
let browser: Browser;
let page: Page;
const model = tabularModel();

beforeAll(async () => {
  mkdirSync('artifacts', { recursive: true });
  stack = await startDemoStack({ app: 'demo', key: KEY, adminToken: ADMIN, modelsDir: MODELS });
  ({ collector, demo, browser } = stack);
  page = await (await browser.newContext({ viewport: { width: 1280, height: 1000 } })).newPage();
  page.on('pageerror', (e) => console.error('[page error]', e.message));
  await page.goto(`${demo.url}/`);
  await page.waitForSelector('body[data-ready="true"]');
  await pickModel(page, model.id);
  await page.uncheck('#backend-webgpu');
  await page.uncheck('#backend-webgl');
  await page.click('#load');
  await page.waitForSelector('#model-info .big', { timeout: 60_000 });
});

afterAll(async () => {
  await stack?.close();
});

async function driftRun(shift: string, runs: number): Promise<number> {
  await page.fill('#drift-shift', shift);
  await page.dispatchEvent('#drift-shift', 'input');
  await page.click('#drift-run');
  await page.waitForFunction((n) => document.querySelectorAll('#drift-history table:first-child tbody tr').length >= n, runs, { timeout: 60_000 });
  const row = await page.$$eval('#drift-history table:first-child tbody tr', (trs) => [...trs].at(-1)!.textContent);
  const cells = await page.$$eval('#drift-history table:first-child tbody tr', (trs) => [...[...trs].at(-1)!.querySelectorAll('td')].map((td) => td.textContent));
  expect(row).toContain(`${shift} σ`);
  return Number(cells[2]);
}

describe('tabular model: form, explanation, drift', () => {
  it('predicts from the form and explains it per named feature', async () => {
    expect(await page.$$eval('#try input[type=number]', (xs) => xs.map((x) => (x as HTMLInputElement).name))).toEqual(model.features);
    await page.click('#try button:has-text("Predict")');
    await page.waitForSelector('#tabular-result .big');
    await page.click('#try button:has-text("Explain")');
    await page.waitForSelector('#tabular-explain .bars');
    const labels = await page.$$eval('#tabular-explain .bars > span:nth-child(3n+1)', (xs) => xs.map((x) => x.textContent));
    expect(labels).toEqual(model.features);
    // Attributions are numbers, and not all zero.
    const values = await page.$$eval('#tabular-explain .bars > span:nth-child(3n)', (xs) => xs.map((x) => Number(/^[+-][\d.]+/.exec(x.textContent ?? '')?.[0])));
    expect(values.every(Number.isFinite)).toBe(true);
    expect(values.some((v) => Math.abs(v) > 1e-4)).toBe(true);
  });

  it('shows the collector drift score rise when the inputs shift', async () => {
    const unshifted = await driftRun('0', 1);
    const shifted = await driftRun('2.5', 2);
    expect(Number.isFinite(unshifted)).toBe(true);
    expect(shifted).toBeGreaterThan(unshifted);
    expect(shifted).toBeGreaterThanOrEqual(0.25); // "significant"
    expect(await page.textContent('#drift-history')).toContain('significant');
    await page.screenshot({ path: 'artifacts/demo-tabular.png', fullPage: true });
  });
});
