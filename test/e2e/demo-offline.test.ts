// "Works offline after the first visit": the service worker precaches the built page and the
// SDK keeps model files in IndexedDB. Visit once online, go offline, reload: the page still
// starts, lists the models, loads digits from the cache and measures its accuracy.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright';
import { startCollector, type RunningCollector } from '../../src/collector/server.js';
import { launchChromium, pickModel, serveDemo, type DemoServer } from '../support/demo-server.js';

const MODELS = resolve(process.env.INFERSCOPE_MODELS_DIR ?? 'models');
const ADMIN = 'offline-admin-token-0123456789abcdef';
const KEY = 'pk_demo_offline_test';

let dir: string;
let collector: RunningCollector;
let demo: DemoServer;
let browser: Browser;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'inferscope-offline-test-'));
  collector = await startCollector({
    config: { apps: [{ id: 'demo', keys: [KEY], origins: ['*'] }], adminToken: ADMIN },
    port: 0, db: join(dir, 'collector.sqlite'), manifest: join(MODELS, 'manifest.json'),
  });
  demo = await serveDemo({ collectorUrl: collector.url, adminToken: ADMIN, appKey: KEY, modelsDir: MODELS });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await demo?.close();
  await collector?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('evaluation page offline', () => {
  it('starts, loads the cached model and runs the sample set with the network off', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error('[page error]', e.message));
    await page.goto(`${demo.url}/`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 30_000 });
    await pickModel(page, 'digits');
    await page.uncheck('#backend-webgpu');
    await page.uncheck('#backend-webgl');
    await page.click('#load');
    await page.waitForSelector('#model-info .big', { timeout: 60_000 });
    await page.click('#accuracy-run'); // fetches the labelled samples once, online
    await page.waitForSelector('#accuracy-value', { timeout: 60_000 });

    await context.setOffline(true);
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
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
