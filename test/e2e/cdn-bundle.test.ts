// The CDN bundle as a user meets it: a page with only <script src> tags loads
// dist/inferscope.iife.js from a plain static server, and the global InferScope.createClient
// loads and runs a model. Needs `npx vite build --config vite.cdn.config.ts` first
// (scripts/test.sh builds it; this test builds it when it is missing).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureFixtures } from '../support/fixtures.js';
import { REPO_ROOT, serveStatic, type StaticServer } from '../support/fixtures-server.js';

const ISOLATED = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
const BUNDLE = join(REPO_ROOT, 'dist/inferscope.iife.js');
const MODEL = '/.tmp/fixtures/layers-float32/model.json';

let browser: Browser;
let isolated: StaticServer;
let plain: StaticServer;

async function expectedOutput(): Promise<number[]> {
  // Raw tfjs on the CPU backend is the reference.
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  const tfl = await import('@tensorflow/tfjs-layers');
  await tf.setBackend('cpu');
  const m = await tfl.loadLayersModel(`${plain.url}${MODEL}`);
  const y = m.predict(tf.fill([1, 4], 0.5)) as import('@tensorflow/tfjs-core').Tensor;
  const out = Array.from(await y.data());
  y.dispose(); m.dispose();
  return out;
}

async function run(server: StaticServer, query: string, init?: string) {
  const page = await browser.newPage();
  if (init) await page.addInitScript(init);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.url}/examples/script-tag/index.html?${query}`);
  await page.waitForFunction(() => (window as any).__result, null, { timeout: 90_000 });
  const result = await page.evaluate(() => (window as any).__result);
  const info = await page.evaluate(() => ({ isolated: globalThis.crossOriginIsolated }));
  await page.close();
  return { result, errors, ...info };
}

beforeAll(async () => {
  await ensureFixtures();
  if (!existsSync(BUNDLE)) execFileSync('npx', ['vite', 'build', '--config', 'vite.cdn.config.ts'], { cwd: REPO_ROOT, stdio: 'inherit' });
  isolated = await serveStatic({ headers: ISOLATED });
  plain = await serveStatic();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--enable-unsafe-webgpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await isolated?.close();
  await plain?.close();
});

describe('CDN bundle (dist/inferscope.iife.js) from a <script> tag', () => {
  test('exposes InferScope.createClient and predicts on wasm with threads (cross-origin isolated)', async () => {
    const want = await expectedOutput();
    const { result, errors, isolated: iso } = await run(isolated, `model=${MODEL}&size=4&backends=wasm`);
    expect(errors).toEqual([]);
    expect(iso).toBe(true);
    expect(result.error).toBeUndefined();
    expect(result.backend).toBe('wasm');
    expect(result.data).toHaveLength(want.length);
    result.data.forEach((v: number, i: number) => expect(v).toBeCloseTo(want[i]!, 4));
    // The threaded binary was the one fetched: it is what breaks when a minifier renames the
    // worker's factory function, so this is the case that proves the minified bundle works.
    const fetched = isolated.requests.filter((r) => r.endsWith('.wasm'));
    expect(fetched).toContain('/dist/tfjs-backend-wasm-threaded-simd.wasm');
  });

  test('finds the .wasm files beside the script without an assetsUrl, on a page that is not isolated', async () => {
    const { result } = await run(plain, `model=${MODEL}&size=4&backends=wasm`);
    expect(result.error).toBeUndefined();
    expect(result.backend).toBe('wasm');
    expect(plain.requests.filter((r) => r.endsWith('.wasm'))).toEqual(['/dist/tfjs-backend-wasm-simd.wasm']);
  });

  test('with navigator.gpu missing, the default order falls back past webgpu with a reason', async () => {
    const { result, errors } = await run(plain, `model=${MODEL}&size=4`, 'delete Object.getPrototypeOf(navigator).gpu;');
    expect(errors).toEqual([]);
    expect(result.error).toBeUndefined();
    expect(result.backend).not.toBe('webgpu');
    expect(result.fallbacks[0]).toMatchObject({ backend: 'webgpu' });
    expect(result.fallbacks[0].reason).toMatch(/navigator\.gpu|WebGPU/i);
  });

  test('the bundle is a classic script with no import statements and one global', () => {
    const src = readFileSync(BUNDLE, 'utf8');
    expect(src).not.toMatch(/^\s*import\s/m);
    expect(src).toMatch(/InferScope/);
  });
});
