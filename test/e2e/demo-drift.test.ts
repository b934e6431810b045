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

/** One drift run; the last history row's cells, and how long the page took to answer. */
async function driftRun(shift: string, runs: number, count?: number): Promise<{ cells: string[]; ms: number }> {
  await page.fill('#drift-shift', shift);
  await page.dispatchEvent('#drift-shift', 'input');
  if (count !== undefined) await page.fill('#drift-count', String(count));
  const t0 = Date.now();
  await page.click('#drift-run');
  await page.waitForFunction((n) => document.querySelectorAll('#drift-history table:first-child tbody tr').length >= n, runs, { timeout: 60_000 });
  const ms = Date.now() - t0;
  const cells = await page.$$eval('#drift-history table:first-child tbody tr', (trs) => [...[...trs].at(-1)!.querySelectorAll('td')].map((td) => td.textContent ?? ''));
  expect(cells[0]).toBe(`${shift} σ`);
  console.log(`drift run ${shift} σ × ${cells[1]}: ${ms} ms, ${cells[2]} ${cells[3]}`);
  return { cells, ms };
}

describe('tabular model: form, explanation, drift', () => {
  it('predicts from the form and explains it per named feature', async () => {
    expect(await page.$$eval('#try input[type=number]:not(#drift-count)', (xs) => xs.map((x) => (x as HTMLInputElement).name))).toEqual(model.features);
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

  it('drops the previous prediction, explanation and "why" line when a value is edited or the next sample comes', async () => {
    const shown = async () => ({
      result: await page.locator('#tabular-result .big').count(),
      why: (await page.textContent('#tabular-explain')) ?? '',
      bars: await page.locator('#tabular-explain .bars').count(),
    });
    const explainNow = async () => {
      await page.click('#try button:has-text("Predict")');
      await page.waitForSelector('#tabular-result .big');
      await page.click('#try button:has-text("Explain")');
      await page.waitForSelector('#tabular-explain .bars');
      expect((await shown()).why).toMatch(/why "/);
    };
    await explainNow();
    // A person types a new value: what is shown was for the old one.
    const field = `#feature-${model.features[0]}`;
    await page.fill(field, String(Number(await page.inputValue(field)) + 1));
    expect(await shown()).toEqual({ result: 0, why: '', bars: 0 });
    await explainNow();
    // Next sample: a new prediction for the new row, and no explanation of the old one.
    await page.click('#try button:has-text("Next sample")');
    await page.waitForSelector('#tabular-result .big');
    expect((await shown()).why).toBe('');
    expect((await shown()).bars).toBe(0);
  });

  it('says "not enough data yet" below the collector\'s minimum, stable with no shift, and the score rises when the inputs shift', async () => {
    const count = Number(await page.inputValue('#drift-count')); // the page's default: the minimum + 50
    // Too few samples: no number, and the page says how many it has of how many it needs.
    const few = await driftRun('0', 1, 100);
    expect(few.cells[2]).toBe('–');
    expect(few.cells[3]).toMatch(/^not enough data yet \(\d+ of \d+ samples\)$/);
    // Enough samples and no shift: sampling noise is not reported as drift (was PSI 0.178 "moderate").
    const unshifted = await driftRun('0', 2, count);
    expect(Number(unshifted.cells[2])).toBeLessThan(0.1);
    expect(unshifted.cells[3]).toBe('stable');
    const shifted = await driftRun('2.5', 3, count);
    expect(Number(shifted.cells[2])).toBeGreaterThanOrEqual(0.25); // "significant"
    expect(shifted.cells[3]).toBe('significant');
    expect(await page.textContent('#drift-history')).toContain('significant');
    await page.screenshot({ path: 'artifacts/demo-tabular.png', fullPage: true });
  });
});
