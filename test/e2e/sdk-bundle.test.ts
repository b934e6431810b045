// The SDK in a page built by `vite build` (minified, as an app ships it), served by a plain
// static server and driven in Debian's Chromium: threaded WASM under COOP/COEP, the same numbers
// as raw tfjs, and ASSET_INVALID when the server answers a .wasm request with its HTML page.
// INFERSCOPE_BENCH=1 also runs the Chromium part of the predict-overhead/backend-choice benches.
import { build } from 'vite';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ensureBenchModel, ensureFixtures } from '../support/fixtures.js';
import { selfContainedWasmWorker } from '../fixtures/e2e-page/self-contained-wasm-worker.js';
import { REPO_ROOT, serveStatic, type StaticServer } from '../support/fixtures-server.js';

const OUT = join(REPO_ROOT, '.tmp/e2e-sdk-page');
const ISOLATED = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
const ASSETS = '/node_modules/@tensorflow/tfjs-backend-wasm/dist/';
const MODEL = '/.tmp/fixtures/graph-float32/model.json';
const HTML = '<!doctype html><html><body><div id="app">my app</div></body></html>';
let browser: Browser;
let server: StaticServer;

beforeAll(async () => {
  await ensureFixtures();
  // Two app builds, both minified: with the plugin an app should use, and without it.
  for (const [dir, plugins] of [['with-plugin', [selfContainedWasmWorker()]], ['plain', []]] as const) {
    await build({
      configFile: false, root: join(REPO_ROOT, 'test/fixtures/e2e-page'), base: './', logLevel: 'error', plugins: [...plugins],
      build: { outDir: join(OUT, dir), emptyOutDir: true, target: 'es2022', minify: true, reportCompressedSize: false, chunkSizeWarningLimit: 1e9 },
    });
  }
  server = await serveStatic({ headers: ISOLATED, override: (p) => (p.startsWith('/spa/') ? { body: HTML, type: 'text/html' } : undefined) });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-angle=swiftshader', '--use-webgpu-adapter=swiftshader'],
  });
}, 240_000);
afterAll(async () => { await browser?.close(); await server?.close(); });

async function open(query: Record<string, string>, build = 'with-plugin') {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message || String(e)));
  // favicon.ico 404s are the static server's, not the page's.
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text()); });
  await page.goto(`${server.url}/.tmp/e2e-sdk-page/${build}/index.html?${new URLSearchParams(query)}`);
  await page.waitForFunction(() => (window as { __result?: unknown }).__result, null, { timeout: 100_000 });
  const result = await page.evaluate(() => (window as { __result?: unknown }).__result) as Record<string, unknown>;
  await page.close();
  return { result, errors };
}

async function rawReference(): Promise<number[]> {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  const { loadGraphModel } = await import('@tensorflow/tfjs-converter');
  await tf.setBackend('cpu');
  const m = await loadGraphModel(server.url + MODEL);
  const y = m.execute(tf.tensor2d([[0.5, -1, 2, 0.25]])) as import('@tensorflow/tfjs-core').Tensor;
  const out = Array.from(await y.data());
  m.dispose();
  return out;
}

test('threaded WASM works in the minified vite-built page and matches raw tfjs', async () => {
  const { result, errors } = await open({ backends: '["wasm"]', assets: ASSETS, model: MODEL });
  expect(errors, JSON.stringify(result)).toEqual([]);
  expect(result).toMatchObject({ backend: 'wasm', fallbacks: [], isolated: true });
  expect(result.wasm).toEqual([expect.stringMatching(/tfjs-backend-wasm-threaded-simd\.wasm$/)]);
  expect(result.threads).toBeGreaterThanOrEqual(1);
  const want = await rawReference();
  expect(result.data).toEqual(want.map((v) => expect.closeTo(v, 5)));
}, 120_000);

test('a minified build without the plugin: threaded WASM hangs, the SDK says why and runs single-threaded', async () => {
  const { result, errors } = await open({ backends: '["wasm"]', assets: ASSETS, model: MODEL, timeout: '3000' }, 'plain');
  expect(errors).toContain('e is not defined'); // the trap itself, in tfjs's worker
  expect(result, JSON.stringify(result)).toMatchObject({ backend: 'wasm', fallbacks: [{ backend: 'wasm', reason: expect.stringContaining('running single-threaded') }] });
  expect(result.wasm).toEqual([expect.stringMatching(/threaded-simd\.wasm$/), expect.stringMatching(/tfjs-backend-wasm-simd\.wasm$/)]);
  expect(result.data).toEqual((await rawReference()).map((v) => expect.closeTo(v, 5)));
}, 120_000);

test('HTML served instead of the .wasm file → ASSET_INVALID naming the URL and what came back', async () => {
  const { result } = await open({ backends: '["wasm"]', assets: '/spa/', model: MODEL });
  expect(result.error).toBe('ASSET_INVALID');
  expect(result.message).toContain(`${server.url}/spa/tfjs-backend-wasm-threaded-simd.wasm`);
  expect(result.message).toContain('an HTML page');
}, 120_000);

test.runIf(process.env.INFERSCOPE_BENCH)('bench: predict overhead and backend choice in Chromium (webgpu, wasm)', async () => {
  const dir = await ensureBenchModel();
  const model = `/${dir.slice(REPO_ROOT.length + 1)}/model.json`;
  const { result } = await open({ bench: '1', backends: '["webgpu","wasm"]', assets: ASSETS, model, samples: process.env.SAMPLES ?? '200' });
  expect(result.error).toBeUndefined();
  for (const line of result.lines as unknown[]) console.log(JSON.stringify(line));
}, 600_000);
