// 'inferscope/worker' for apps that bundle a worker of their own (CSP-strict apps, a worker that
// needs its own fetch): an app built by Vite the way a user's is, resolving 'inferscope/proxy'
// and 'inferscope/worker' through the package's "exports" (node_modules/inferscope -> this repo's
// dist/). Its worker calls serve(self, { fetch }) with a fetch of its own that answers the app's
// model URLs from another path, and the page passes createClient({ worker: new Worker(new URL(…)) }).
// Debian's Chromium; needs `npm run build` (lib, types), built here when missing.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright';
import { build } from 'vite';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ensureFixtures } from '../support/fixtures.js';
import { REPO_ROOT, serveStatic, type StaticServer } from '../support/fixtures-server.js';

const APP = join(REPO_ROOT, '.tmp/app-worker');

const MAIN = `import { createClient, InferScopeError } from 'inferscope/proxy';
const events = [];
const worker = new Worker(new URL('./my-worker.js', import.meta.url), { type: 'module' });
const client = createClient({ worker, workerFallback: false, backends: ['cpu'], cache: false, onDeliveryEvent: (e) => events.push(e.type) });
try {
  // '/app-models/' exists only for the worker's own fetch (my-worker.js).
  const model = await client.load({ url: '/app-models/model.json' });
  const r = await model.predict(new Float32Array([0.5, 0.5, 0.5, 0.5]));
  const bad = await model.predict(new Float32Array(3)).catch((e) => ({ code: e.code, isError: e instanceof InferScopeError }));
  window.__result = { backend: model.backend, n: r.data.length, bad, events };
} catch (e) { window.__result = { error: e.code, message: e.message, events }; }
await client.dispose();
`;
const WORKER = `import { serve } from 'inferscope/worker';
const fixtures = new URL('/.tmp/fixtures/layers-float32/', self.location.href);
serve(self, { fetch: (url, init) => fetch(String(url).replace(/\\/app-models\\//, fixtures.pathname), init) });
`;

let browser: Browser;
let server: StaticServer;

beforeAll(async () => {
  if (!existsSync(join(REPO_ROOT, 'dist/serve.js')) || !existsSync(join(REPO_ROOT, 'dist/proxy.js'))) {
    execFileSync('node', ['scripts/build.mjs', 'lib'], { cwd: REPO_ROOT, stdio: 'inherit' });
  }
  rmSync(APP, { recursive: true, force: true });
  mkdirSync(join(APP, 'src/node_modules'), { recursive: true });
  symlinkSync(REPO_ROOT, join(APP, 'src/node_modules/inferscope'), 'dir'); // as npm would install it
  writeFileSync(join(APP, 'src/index.html'), '<!doctype html><meta charset="utf-8"><script type="module" src="./main.js"></script>');
  writeFileSync(join(APP, 'src/main.js'), MAIN);
  writeFileSync(join(APP, 'src/my-worker.js'), WORKER);
  await build({ configFile: false, root: join(APP, 'src'), base: './', logLevel: 'error', build: { outDir: join(APP, 'out'), emptyOutDir: true, target: 'es2022' }, worker: { format: 'es' } });
  await ensureFixtures();
  server = await serveStatic();
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(APP, { recursive: true, force: true });
});

test("an app's own worker built with serve() from 'inferscope/worker' runs the client, with the worker's own fetch", async () => {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.url}/.tmp/app-worker/out/index.html`);
  await page.waitForFunction(() => (window as { __result?: unknown }).__result, null, { timeout: 90_000 });
  const result = await page.evaluate(() => (window as { __result?: unknown }).__result);
  await page.close();
  expect(errors).toEqual([]);
  expect(result).toEqual({ backend: 'cpu', n: 3, bad: { code: 'INPUT_SHAPE', isError: true }, events: expect.arrayContaining(['worker-started']) });
  // The model files came through the worker's fetch (the page never asked for /app-models/).
  expect(server.requests.filter((r) => r.startsWith('/.tmp/fixtures/layers-float32/'))).not.toEqual([]);
  expect(server.requests.filter((r) => r.startsWith('/app-models/'))).toEqual([]);
}, 120_000);
