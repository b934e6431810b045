// The demo page for e2e tests: built into a temp folder (vite build of demo/vite.config.ts,
// a few seconds) and served by vite preview with its /models, /demo-config.json and
// /collector routes. The demo server reads the collector URL and admin token from
// process.env per request; each Vitest file runs in its own process, so setting them is local.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, preview } from 'vite';
import { chromium, type Browser } from 'playwright';
import type { ReleasesConfig } from '../../src/collector/releases/policy.js';
import { startCollector, type RunningCollector } from '../../src/collector/server.js';
import { freePort } from './ports.js';

const CONFIG = join(process.cwd(), 'demo', 'vite.config.ts');

export interface DemoServer { url: string; close(): Promise<void> }

export interface ServeDemoOptions {
  collectorUrl: string;
  adminToken: string;
  appKey: string;
  /** Folder served at /models/ (default: the repo's models/). */
  modelsDir?: string;
}

export async function serveDemo({ collectorUrl, adminToken, appKey, modelsDir }: ServeDemoOptions): Promise<DemoServer> {
  const outDir = mkdtempSync(join(tmpdir(), 'inferscope-demo-'));
  // Vitest sets NODE_ENV=test, which would make this a development build (no service worker).
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: CONFIG, logLevel: 'error', mode: 'production', build: { outDir, emptyOutDir: true } });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  process.env.INFERSCOPE_COLLECTOR_URL = collectorUrl;
  process.env.INFERSCOPE_ADMIN_TOKEN = adminToken;
  process.env.INFERSCOPE_APP_KEY = appKey;
  if (modelsDir) process.env.INFERSCOPE_MODELS_DIR = modelsDir;
  const port = await freePort();
  const server = await preview({ configFile: CONFIG, logLevel: 'error', build: { outDir }, preview: { port, host: '127.0.0.1', strictPort: true } });
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      await server.close();
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--enable-unsafe-webgpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

export interface DemoStack { dir: string; collector: RunningCollector; demo: DemoServer; browser: Browser; close(): Promise<void> }

/**
 * What the demo e2e tests run against: a collector (SQLite in a temp folder, one app with `key`,
 * the models' manifest for drift baselines; `releases` as npm start gives it), the built demo page
 * pointed at it, and Chromium.
 * close() stops all three and removes the folder.
 */
export async function startDemoStack({ app, key, adminToken, modelsDir, releases }: { app: string; key: string; adminToken: string; modelsDir: string; releases?: ReleasesConfig }): Promise<DemoStack> {
  const dir = mkdtempSync(join(tmpdir(), `inferscope-${app}-`));
  const parts: Partial<DemoStack> = { dir };
  const close = async () => {
    await parts.browser?.close();
    await parts.demo?.close();
    await parts.collector?.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    parts.collector = await startCollector({
      config: { apps: [{ id: app, keys: [key], origins: ['*'] }], adminToken, ...(releases ? { releases } : {}) },
      port: 0, db: join(dir, 'collector.sqlite'), manifest: join(modelsDir, 'manifest.json'),
    });
    parts.demo = await serveDemo({ collectorUrl: parts.collector.url, adminToken, appKey: key, modelsDir });
    parts.browser = await launchChromium();
  } catch (err) {
    await close();
    throw err;
  }
  return { ...(parts as Omit<DemoStack, 'close'>), close };
}

/** Select the manifest model `id` on `channel` in the demo page's picker; returns the option text. */
export async function pickModel(page: import('playwright').Page, id: string, channel = 'stable'): Promise<string> {
  const option = await page.$$eval('#model-select option', (os, prefix) => {
    const o = os.find((x) => x.textContent!.startsWith(prefix));
    return o ? { value: (o as HTMLOptionElement).value, text: o.textContent! } : null;
  }, `${id} — ${channel}`);
  if (!option) throw new Error(`the demo page offers no "${id} — ${channel}" model; is it in models/manifest.json?`);
  await page.selectOption('#model-select', option.value);
  return option.text;
}

/**
 * Draw `strokes` (in the pad's 280x280 coordinates) on the evaluation page's digit pad with the
 * mouse, as a person does; resolves with the digit the page shows for this drawing (the pad
 * counts strokes in `data-gen`, so an answer for an older drawing is never taken).
 */
export async function drawOnPad(page: import('playwright').Page, strokes: [number, number][][]): Promise<string> {
  await page.locator('#digit-pad').scrollIntoViewIfNeeded();
  await page.click('#digit-clear');
  const box = (await page.locator('#digit-pad').boundingBox())!;
  const at = ([x, y]: [number, number]) => [box.x + (x * box.width) / 280, box.y + (y * box.height) / 280] as const;
  for (const stroke of strokes) {
    await page.mouse.move(...at(stroke[0]!));
    await page.mouse.down();
    for (const p of stroke.slice(1)) await page.mouse.move(...at(p));
    await page.mouse.up();
  }
  const gen = await page.getAttribute('#digit-pad', 'data-gen');
  await page.waitForSelector(`#digit-result[data-gen="${gen}"] .big`, { timeout: 90_000 });
  return (await page.textContent('#digit-result .big'))!;
}
