// Worker mode from the npm build as it ships, with no bundler: a page imports dist/proxy.js
// ('inferscope/proxy') as a plain ES module, and the proxy finds dist/worker.js through
// new URL('./worker.js', import.meta.url). Debian's Chromium; needs `npm run build` (lib, worker),
// built here when missing.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ensureFixtures } from '../support/fixtures.js';
import { REPO_ROOT, serveStatic, type StaticServer } from '../support/fixtures-server.js';

const MODEL = '/.tmp/fixtures/layers-float32/model.json';
const PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
import { createClient, InferScopeError } from '/dist/proxy.js';
const events = [];
const client = createClient({ backends: ['cpu'], cache: false, workerFallback: false, onDeliveryEvent: (e) => events.push(e.type) });
try {
  const model = await client.load({ url: '${MODEL}' });
  const r = await model.predict(new Float32Array([0.5, 0.5, 0.5, 0.5]));
  const bad = await model.predict(new Float32Array(3)).catch((e) => ({ code: e.code, isError: e instanceof InferScopeError }));
  window.__result = { backend: model.backend, data: Array.from(r.data), bad, events, tf: typeof globalThis.tf };
} catch (e) { window.__result = { error: e.code, message: e.message }; }
await client.dispose();
</script>`;

let browser: Browser;
let server: StaticServer;

beforeAll(async () => {
  if (!existsSync(join(REPO_ROOT, 'dist/proxy.js')) || !existsSync(join(REPO_ROOT, 'dist/worker.js'))) {
    execFileSync('node', ['scripts/build.mjs', 'lib', 'worker'], { cwd: REPO_ROOT, stdio: 'inherit' });
  }
  await ensureFixtures();
  server = await serveStatic({ override: (p) => (p === '/npm-worker.html' ? { body: PAGE, type: 'text/html' } : undefined) });
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
}, 180_000);
afterAll(async () => { await browser?.close(); await server?.close(); });

test('dist/proxy.js starts dist/worker.js beside it, predicts there, and errors keep their class and code', async () => {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.url}/npm-worker.html`);
  await page.waitForFunction(() => (window as { __result?: unknown }).__result, null, { timeout: 90_000 });
  const result = await page.evaluate(() => (window as { __result?: unknown }).__result);
  await page.close();
  expect(errors).toEqual([]);
  expect(result).toMatchObject({ backend: 'cpu', bad: { code: 'INPUT_SHAPE', isError: true } });
  expect((result as { events: string[] }).events).not.toContain('worker-unavailable');
  expect((result as { data: number[] }).data).toHaveLength(3);
  expect(server.requests).toContain('/dist/worker.js');
  // The page itself loaded no tfjs and no direct-mode client chunk.
  expect(server.requests.filter((r) => /\/dist\/client-|tfjs/.test(r))).toEqual([]);
}, 120_000);

test('dist/worker.js ships minified and self-contained, so a bundler that copies it as one asset loses nothing', () => {
  const code = readFileSync(join(REPO_ROOT, 'dist/worker.js'), 'utf8');
  expect(code).not.toMatch(/(?:from|import\()\s*["'`]\.\.?\//);
  // Library-mode ES output keeps one statement per indented line (~60,000 lines for tfjs + SDK).
  expect(code.split('\n').length).toBeLessThan(10_000);
  expect(code).not.toMatch(/\n\t+(let|const|return|if) /);
});
