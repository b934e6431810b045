// The e2e page (test/fixtures/e2e-page) built by `vite build` as an app would ship it, served
// cross-origin isolated by a plain static server, driven in Debian's Chromium by Playwright.
// Shared by test/e2e/sdk-bundle.test.ts and the Chromium part of bench/*.bench.ts.
import { build, type Plugin } from 'vite';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright';
import { selfContainedWasmWorker } from '../fixtures/e2e-page/self-contained-wasm-worker.js';
import { REPO_ROOT, serveStatic, type StaticServer } from './fixtures-server.js';

const OUT = join(REPO_ROOT, '.tmp/e2e-sdk-page');
const ISOLATED = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
const HTML = '<!doctype html><html><body><div id="app">my app</div></body></html>';

export type PageBuild = 'with-plugin' | 'plain';
export interface PageHarness {
  server: StaticServer;
  open(query: Record<string, string>, build?: PageBuild): Promise<{ result: Record<string, unknown>; errors: string[] }>;
  close(): Promise<void>;
}

/** Build both page variants (minified; with and without the worker plugin), serve, launch Chromium. */
export async function startPageHarness(builds: PageBuild[] = ['with-plugin', 'plain']): Promise<PageHarness> {
  for (const dir of builds) {
    const plugins: Plugin[] = dir === 'with-plugin' ? [selfContainedWasmWorker()] : [];
    await build({
      configFile: false, root: join(REPO_ROOT, 'test/fixtures/e2e-page'), base: './', logLevel: 'error', plugins,
      build: { outDir: join(OUT, dir), emptyOutDir: true, target: 'es2022', minify: true, reportCompressedSize: false, chunkSizeWarningLimit: 1e9 },
    });
  }
  // /spa/* answers every path with the app's HTML, the classic misconfiguration for .wasm files.
  const server = await serveStatic({ headers: ISOLATED, override: (p) => (p.startsWith('/spa/') ? { body: HTML, type: 'text/html' } : undefined) });
  const browser: Browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-angle=swiftshader', '--use-webgpu-adapter=swiftshader'],
  });
  return {
    server,
    async open(query, which = 'with-plugin') {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message || String(e)));
      // favicon.ico 404s are the static server's, not the page's.
      page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text()); });
      await page.goto(`${server.url}/.tmp/e2e-sdk-page/${which}/index.html?${new URLSearchParams(query)}`);
      await page.waitForFunction(() => (window as { __result?: unknown }).__result, null, { timeout: 500_000 });
      const result = await page.evaluate(() => (window as { __result?: unknown }).__result) as Record<string, unknown>;
      await page.close();
      return { result, errors };
    },
    async close() { await browser.close(); await server.close(); },
  };
}

/** Chromium part of the predict-overhead / backend-choice benches: prints their JSON lines. */
export async function runChromiumBench(benchName: 'predict-overhead' | 'backend-choice', modelPath: string): Promise<void> {
  const h = await startPageHarness(['with-plugin']);
  try {
    const model = `/${modelPath.slice(REPO_ROOT.length + 1)}/model.json`;
    const { result } = await h.open({ bench: '1', backends: '["webgpu","wasm"]', assets: '/node_modules/@tensorflow/tfjs-backend-wasm/dist/', model, samples: process.env.SAMPLES ?? '200', ttfpPairs: process.env.TTFP_PAIRS ?? '15' });
    if (result.error) throw new Error(`page bench failed: ${result.message}`);
    for (const line of result.lines as { bench: string }[]) if (line.bench === benchName) console.log(JSON.stringify(line));
  } finally {
    await h.close();
  }
}
