// The CDN bundle as a user meets it: a page with only <script src> tags loads
// dist/inferscope.iife.js from a plain static server, and the global InferScope.createClient
// loads and runs a model. Needs `npx vite build --config vite.cdn.config.ts` first
// (scripts/test.sh builds it; this test builds it when it is missing). Worker mode: the same page
// with dist/inferscope.worker.js beside the bundle.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { chromium, type Browser } from 'playwright';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureFixtures } from '../support/fixtures.js';
import { REPO_ROOT, serveStatic, type StaticServer } from '../support/fixtures-server.js';

const ISOLATED = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
const BUNDLE = join(REPO_ROOT, 'dist/inferscope.iife.js');
const WORKER = join(REPO_ROOT, 'dist/inferscope.worker.js');
const MODEL = '/.tmp/fixtures/layers-float32/model.json';

let browser: Browser;
let isolated: StaticServer;
let plain: StaticServer;
let csp: StaticServer;

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

async function run(server: StaticServer, query: string, init?: string, page_ = 'examples/script-tag/index.html') {
  const page = await browser.newPage();
  if (init) await page.addInitScript(init);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.url}/${page_}?${query}`);
  await page.waitForFunction(() => (window as any).__result, null, { timeout: 90_000 });
  const result = await page.evaluate(() => (window as any).__result);
  const info = await page.evaluate(() => ({ isolated: globalThis.crossOriginIsolated }));
  await page.close();
  return { result, errors, ...info };
}

beforeAll(async () => {
  await ensureFixtures();
  if (!existsSync(BUNDLE) || !existsSync(WORKER)) execFileSync('node', ['scripts/build.mjs', 'cdn', 'worker'], { cwd: REPO_ROOT, stdio: 'inherit' });
  isolated = await serveStatic({ headers: ISOLATED });
  plain = await serveStatic();
  // A CSP that allows the page's scripts but no workers at all.
  csp = await serveStatic({ headers: { 'Content-Security-Policy': "worker-src 'none'" } });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--enable-unsafe-webgpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await isolated?.close();
  await plain?.close();
  await csp?.close();
});

// Worker mode runs the same cases with the model in dist/inferscope.worker.js, found beside the
// IIFE through document.currentScript; the page's own code is unchanged but for `worker: true`.
describe.each([
  { mode: 'direct', q: '', worker: false },
  { mode: 'worker', q: '&worker=1', worker: true },
])('CDN bundle (dist/inferscope.iife.js) from a <script> tag, $mode mode', ({ q, worker }) => {
  test('exposes InferScope.createClient and predicts on wasm with threads (cross-origin isolated)', async () => {
    const want = await expectedOutput();
    const before = isolated.requests.length;
    const { result, errors, isolated: iso } = await run(isolated, `model=${MODEL}&size=4&backends=wasm${q}`);
    expect(errors).toEqual([]);
    expect(iso).toBe(true);
    expect(result.error).toBeUndefined();
    expect(result.backend).toBe('wasm');
    expect(result.data).toHaveLength(want.length);
    result.data.forEach((v: number, i: number) => expect(v).toBeCloseTo(want[i]!, 4));
    // The threaded binary was the one fetched: it is what breaks when a minifier renames the
    // worker's factory function, so this is the case that proves the minified bundle works.
    const fetched = isolated.requests.slice(before).filter((r) => r.endsWith('.wasm'));
    expect(fetched).toContain('/dist/tfjs-backend-wasm-threaded-simd.wasm');
    // Worker mode: the worker beside the script started (no fallback to direct mode).
    const asked = isolated.requests.slice(before);
    expect(asked.includes('/dist/inferscope.worker.js')).toBe(worker);
    // ...and fetched only the chunks a wasm run of a layers model needs: no other backend, no
    // graph-model converter, no explain (src/worker.ts says why).
    const chunks = asked.filter((r) => r.startsWith('/dist/worker-chunks/')).map((r) => r.slice(20).replace(/-[\w-]{8}\.js$/, ''));
    if (worker) expect(chunks).toEqual(expect.arrayContaining(['main', 'wasm', 'layers']));
    expect(chunks.filter((c) => /^(webgl|webgpu|converter|explain)$/.test(c))).toEqual([]);
    expect(result.events.filter((e: { type: string }) => e.type === 'worker-unavailable')).toEqual([]);
    // The client said where it ran: worker-started only in worker mode.
    expect(result.events.some((e: { type: string }) => e.type === 'worker-started')).toBe(worker);
  });

  test('finds the .wasm files beside the script without an assetsUrl, on a page that is not isolated', async () => {
    const before = plain.requests.length;
    const { result } = await run(plain, `model=${MODEL}&size=4&backends=wasm${q}`);
    expect(result.error).toBeUndefined();
    expect(result.backend).toBe('wasm');
    expect(plain.requests.slice(before).filter((r) => r.endsWith('.wasm'))).toEqual(['/dist/tfjs-backend-wasm-simd.wasm']);
  });

  test('the default page: digits by id from the manifest, drawn on a canvas (an ImageBitmap in worker mode), predicted right', async () => {
    const { result, errors } = await run(plain, `backends=wasm${q}`);
    expect(errors).toEqual([]);
    expect(result.error).toBeUndefined();
    expect(result.shown).toEqual([{ label: expect.any(String), truth: expect.any(String) }]);
    expect(result.shown[0].label).toBe(result.shown[0].truth);
    expect(result.events.filter((e: { type: string }) => e.type === 'worker-unavailable')).toEqual([]);
    // The client said where it ran: worker-started only in worker mode.
    expect(result.events.some((e: { type: string }) => e.type === 'worker-started')).toBe(worker);
  });

  test('a wrong input size rejects with InferScopeError INPUT_SHAPE and the same message in both modes', async () => {
    const { result } = await run(plain, `model=${MODEL}&size=3&backends=cpu${q}`);
    expect(result).toEqual({ error: 'INPUT_SHAPE', isError: true, message: "input 'hidden_input': expected [-1,4] got [3] (a flat array: pass a nested array or a tf.Tensor to give the shape) (-1 = any size)" });
  });
});

describe('CDN bundle in worker mode when the worker cannot start', () => {
  const reasonOf = (result: { events: { type: string; url: string; reason: string }[] }) => result.events.find((e) => e.type === 'worker-unavailable');

  test('404: falls back to direct mode, still predicts, and the delivery event names the URL and "HTTP 404"', async () => {
    const { result, errors } = await run(plain, `model=${MODEL}&size=4&backends=wasm&worker=/dist/missing.worker.js`);
    expect(errors).toEqual([]);
    expect(result.error).toBeUndefined();
    expect(result.data).toHaveLength(3);
    expect(reasonOf(result)).toMatchObject({ url: `${plain.url}/dist/missing.worker.js`, reason: expect.stringContaining('HTTP 404') });
  });

  test('wrong MIME type (an HTML page where the script should be): the reason says what was served', async () => {
    const { result } = await run(plain, `model=${MODEL}&size=4&backends=wasm&worker=/examples/script-tag/index.html`);
    expect(result.error).toBeUndefined();
    expect(reasonOf(result)!.reason).toMatch(/served as 'text\/html'.*JavaScript MIME type/);
  });

  test('blocked by Content-Security-Policy worker-src: the reason names the policy', async () => {
    const { result } = await run(csp, `model=${MODEL}&size=4&backends=wasm&worker=1`);
    expect(result.error).toBeUndefined();
    expect(reasonOf(result)).toMatchObject({ url: `${csp.url}/dist/inferscope.worker.js`, reason: expect.stringContaining("Content-Security-Policy (worker-src)") });
  });

  // A mirror that copied only inferscope.worker.js (its static import, the preload helper, 404s:
  // the browser's error event is bare, diagnose.ts names the file), or the entry and that helper
  // but no main chunk (the entry's import() fails: its error message names the file).
  test.each([
    { name: 'lonely', copy: [] as string[], missing: /lonely\/worker-chunks\/preload-helper-\w+\.js, which answered HTTP 404/ },
    { name: 'half', copy: ['preload-helper'], missing: /half\/worker-chunks\/main-[\w-]+\.js/ },
  ])('the entry copied without all of worker-chunks/ ($name): falls back, and the reason names the missing chunk', async ({ name, copy, missing }) => {
    const dir = join(REPO_ROOT, '.tmp/cdn-copy', name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, 'worker-chunks'), { recursive: true });
    copyFileSync(WORKER, join(dir, 'inferscope.worker.js'));
    for (const f of readdirSync(join(REPO_ROOT, 'dist/worker-chunks'))) {
      if (copy.some((c) => f.startsWith(`${c}-`))) copyFileSync(join(REPO_ROOT, 'dist/worker-chunks', f), join(dir, 'worker-chunks', f));
    }
    const { result, errors } = await run(plain, `model=${MODEL}&size=4&backends=wasm&worker=/.tmp/cdn-copy/${name}/inferscope.worker.js`);
    expect(errors).toEqual([]);
    expect(result.error).toBeUndefined();
    expect(result.data).toHaveLength(3);
    expect(reasonOf(result)).toMatchObject({ url: `${plain.url}/.tmp/cdn-copy/${name}/inferscope.worker.js`, reason: expect.stringMatching(missing) });
  });

  test('workerFallback: false rejects with an InferScopeError WORKER_UNAVAILABLE naming the URL and the cause', async () => {
    const { result } = await run(plain, `model=${MODEL}&size=4&backends=wasm&worker=/dist/missing.worker.js&fallback=0`);
    expect(result).toMatchObject({ error: 'WORKER_UNAVAILABLE', isError: true });
    expect(result.message).toContain(`${plain.url}/dist/missing.worker.js`);
    expect(result.message).toContain('HTTP 404');
  });
});

describe('CDN bundle, direct mode only', () => {
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

  test('the worker is a small entry whose chunks all sit in worker-chunks/ beside it, one per backend', () => {
    const entry = readFileSync(WORKER, 'utf8');
    expect(entry.length).toBeLessThan(4096); // tfjs is in the chunks, not in the script the worker starts from
    // Every file the entry can reach through static or dynamic relative imports exists.
    const seen = new Set<string>();
    const walk = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const [, rel] of readFileSync(file, 'utf8').matchAll(/(?:from|import\()\s*["'`](\.\.?\/[^"'`]+)["'`]/g)) walk(join(dirname(file), rel!));
    };
    walk(WORKER);
    const names = [...seen].map((f) => relative(join(REPO_ROOT, 'dist'), f));
    for (const b of ['wasm', 'webgl', 'webgpu', 'layers', 'converter', 'main']) expect(names.some((n) => n.startsWith(`worker-chunks/${b}-`))).toBe(true);
    expect(names.every((n) => n === 'inferscope.worker.js' || n.startsWith('worker-chunks/'))).toBe(true);
  });
});
