// The CDN worker's entry (src/worker.ts) requests the chunk of the first backend the page lists as
// soon as the page's init() arrives, beside the SDK's own chunk, instead of after the SDK's chunk
// has loaded and init() has run (BENCHMARKS.md main-thread, "Warm load timeline"). Read from the
// worker itself: its resource timing (when each chunk was requested) against its
// `inferscope:worker-chunks` mark (the SDK's chunk imported). Not a timing threshold: the order is
// fixed, because the page posts init() before the worker has run a line, so the message is handled
// before the SDK's chunk (fetched and compiled over several tasks) can have come in. Debian's Chromium.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ensureFixtures } from '../support/fixtures.js';
import { REPO_ROOT, serveStatic, type StaticServer } from '../support/fixtures-server.js';

const MODEL = '/.tmp/fixtures/layers-float32/model.json';
let browser: Browser;
let server: StaticServer;

beforeAll(async () => {
  await ensureFixtures();
  if (!existsSync(join(REPO_ROOT, 'dist/inferscope.iife.js')) || !existsSync(join(REPO_ROOT, 'dist/inferscope.worker.js'))) {
    execFileSync('node', ['scripts/build.mjs', 'cdn', 'worker'], { cwd: REPO_ROOT, stdio: 'inherit' });
  }
  server = await serveStatic({ override: (path) => (path === '/blank.html' ? { body: '<!doctype html><script src="/dist/inferscope.iife.js"></script>' } : undefined) });
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-background-networking', '--no-first-run'] });
}, 180_000);
afterAll(async () => { await browser?.close(); await server?.close(); });

/** Loads and runs the fixture model in worker mode on `backends`; the worker's chunk requests (ms) and its worker-chunks mark. */
async function workerTimeline(backends: string[]) {
  const page = await browser.newPage();
  try {
    await page.goto(`${server.url}/blank.html`);
    const backend = await page.evaluate(async ([url, list]) => {
      const client = (globalThis as any).InferScope.createClient({ worker: true, workerFallback: false, backends: list });
      const model = await client.load({ url });
      await model.predict(new Float32Array([0.5, 0.5, 0.5, 0.5]));
      (globalThis as any).client = client;
      return model.backend as string;
    }, [MODEL, backends] as const);
    const [worker] = page.workers();
    const t = await worker!.evaluate(() => ({
      chunks: performance.getEntriesByType('resource').filter((r) => r.name.includes('/worker-chunks/')).map((r) => [new URL(r.name).pathname.split('/').pop()!.replace(/-[\w-]{8}\.js$/, ''), r.startTime] as [string, number]),
      chunksIn: performance.getEntriesByName('inferscope:worker-chunks')[0]?.startTime ?? NaN,
    }));
    return { backend, chunks: Object.fromEntries(t.chunks) as Record<string, number>, chunksIn: t.chunksIn };
  } finally {
    await page.close();
  }
}

test('backends: [wasm]: the wasm chunk is requested before the SDK chunk is in, and the model runs on wasm', async () => {
  const t = await workerTimeline(['wasm', 'cpu']);
  expect(t.backend).toBe('wasm');
  expect(t.chunks.wasm).toBeDefined();
  expect(t.chunksIn).toBeGreaterThan(0);
  expect(t.chunks.wasm!).toBeLessThan(t.chunksIn);
  expect(Object.keys(t.chunks).filter((c) => /^(webgl|webgpu)$/.test(c))).toEqual([]);
}, 120_000);

test('backends: [cpu]: no wasm chunk at all; only the listed first backend is requested early', async () => {
  const t = await workerTimeline(['cpu']);
  expect(t.backend).toBe('cpu');
  expect(Object.keys(t.chunks).filter((c) => /^(wasm|webgl|webgpu)$/.test(c))).toEqual([]);
}, 120_000);
