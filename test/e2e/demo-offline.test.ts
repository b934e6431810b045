// "Works offline after the first visit": the service worker precaches the built page and the
// SDK keeps model files in IndexedDB. Visit once online, go offline, reload: the page still
// starts, lists the models, loads digits from the cache and measures its accuracy.
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright';
import type { RunningCollector } from '../../src/collector/server.js';
import { pickModel, startDemoStack, type DemoServer, type DemoStack } from '../support/demo-server.js';

const MODELS = resolve(process.env.INFERSCOPE_MODELS_DIR ?? 'models');
const ADMIN = 'offline-admin-token-0123456789abcdef';
const KEY = 'pk_demo_offline_test';

let stack: DemoStack;
let collector: RunningCollector;
let demo: DemoServer;
let browser: Browser;

beforeAll(async () => {
  stack = await startDemoStack({ app: 'demo', key: KEY, adminToken: ADMIN, modelsDir: MODELS });
  ({ collector, demo, browser } = stack);
});

afterAll(async () => {
  await stack?.close();
});

describe('evaluation page offline', () => {
  it('starts, loads the cached model and runs the sample set with the network off', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error('[page error]', e.message));
    await page.goto(`${demo.url}/`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 90_000 });
    await pickModel(page, 'digits');
    await page.uncheck('#backend-webgpu');
    await page.uncheck('#backend-webgl');
    await page.click('#load');
    await page.waitForSelector('#model-info .big', { timeout: 60_000 });
    await page.click('#accuracy-run'); // fetches the labelled samples once, online
    await page.waitForSelector('#accuracy-value', { timeout: 60_000 });

    await context.setOffline(true);
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]', { timeout: 90_000 });
    expect(await page.evaluate(() => fetch('/sw-assets.json', { cache: 'no-store' }).then(() => 'served', () => 'failed'))).toBe('served'); // by the worker
    await pickModel(page, 'digits');
    await page.uncheck('#backend-webgpu');
    await page.uncheck('#backend-webgl');
    await page.click('#load');
    await page.waitForSelector('#model-info .big', { timeout: 60_000 });
    expect(await page.textContent('#load-status')).toBe('');
    expect(await page.getAttribute('#progress', 'data-steps')).toMatch(/download:cache/);
    expect(await page.getAttribute('#progress', 'data-steps')).not.toMatch(/network/);
    await page.click('#accuracy-run');
    await page.waitForSelector('#accuracy-value', { timeout: 60_000 });
    expect(Number(/([\d.]+)%/.exec((await page.textContent('#accuracy-value')) ?? '')?.[1])).toBeGreaterThan(50);
    // The network really is off for the page.
    expect(await page.evaluate((u) => fetch(`${u}/healthz`).then(() => 'reached', () => 'offline'), collector.url)).toBe('offline');
    await context.close();
  });
});
