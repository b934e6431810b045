// A returning visitor's worker compiles tfjs + the SDK from V8's code cache. Chromium keeps no code
// cache for a module worker's top-level script or its static imports, only for modules the
// worker imports dynamically (made on the 2nd visit, used from the 3rd), so the CDN worker is a
// small entry that import()s its chunks (src/worker.ts). Read from a Chromium trace
// (`v8.compileModule` events with `consumedCacheSize`), not from timings. A normal profile
// (--user-data-dir): Playwright's default context is off the record and keeps no code cache at all.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ensureFixtures } from '../support/fixtures.js';
import { REPO_ROOT, serveStatic, type StaticServer } from '../support/fixtures-server.js';
import { until } from '../support/until.js';

const PAGE = `<!doctype html><meta charset="utf-8"><script src="/dist/inferscope.iife.js"></script><script>
window.run = async () => {
  const client = InferScope.createClient({ worker: true, workerFallback: false, backends: ['wasm'] });
  const model = await client.load({ url: '/.tmp/fixtures/layers-float32/model.json' });
  const r = await model.predict(new Float32Array([0.5, 0.5, 0.5, 0.5]));
  await client.dispose();
  return r.data.length;
};
</script>`;

let server: StaticServer;
let browser: Browser;
let proc: ChildProcess;
let profile: string;

beforeAll(async () => {
  if (!existsSync(join(REPO_ROOT, 'dist/inferscope.iife.js')) || !existsSync(join(REPO_ROOT, 'dist/inferscope.worker.js'))) {
    execFileSync('node', ['scripts/build.mjs', 'cdn', 'worker'], { cwd: REPO_ROOT, stdio: 'inherit' });
  }
  await ensureFixtures();
  // Cached as a CDN serves files: V8's code cache rides on the HTTP cache entry.
  server = await serveStatic({ headers: { 'Cache-Control': 'max-age=3600' }, override: (p) => (p === '/code-cache.html' ? { body: PAGE } : undefined) });
  // Playwright refuses --user-data-dir in launch(); a Chromium started here with a profile and
  // driven over CDP keeps the disk caches a returning visitor has.
  profile = mkdtempSync(join(tmpdir(), 'inferscope-code-cache-'));
  proc = spawn(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', ['--headless=new', '--no-sandbox', '--remote-debugging-port=0', `--user-data-dir=${profile}`, '--no-first-run', '--disable-background-networking', 'about:blank'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const ws = await new Promise<string>((resolve, reject) => {
    let err = '';
    proc.stderr!.on('data', (d) => { err += d; const m = /DevTools listening on (ws:\S+)/.exec(err); if (m) resolve(m[1]!); });
    proc.on('exit', (code) => reject(new Error(`chromium exited ${code}: ${err.slice(-500)}`)));
  });
  browser = await chromium.connectOverCDP(ws);
}, 180_000);
afterAll(async () => {
  await browser?.close();
  proc?.kill();
  await server?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

type Compile = { chunk: string; consumed: number };
const BIG = ['main', 'wasm', 'layers'];

/**
 * The big worker chunks that have an entry of at least `minBytes` in the profile's V8 code cache
 * (Code Cache/js: one file per entry, its key, the script URL, in plain text). A first visit
 * writes small entries (Chromium makes the code cache on a script's 2nd load), the second the
 * cache itself; both are written after the run, so the next visit waits for them on disk (a fixed
 * 1 s was not always enough on a loaded machine, and the 3rd visit then compiled from source).
 */
function cachedChunks(minBytes: number): string[] {
  const dir = join(profile, 'Default', 'Code Cache', 'js');
  const found = new Set<string>();
  for (const name of existsSync(dir) ? readdirSync(dir) : []) {
    const file = join(dir, name);
    if (!statSync(file).isFile() || statSync(file).size < minBytes) continue;
    const m = /\/dist\/worker-chunks\/(\w+)-[\w-]{8}\.js/.exec(readFileSync(file).toString('latin1'));
    if (m && BIG.includes(m[1]!)) found.add(m[1]!);
  }
  return [...found];
}

/** One visit: load + predict in worker mode; the worker chunks' module compiles, from a trace. */
async function visit(cacheWritten?: { minBytes: number }): Promise<Compile[]> {
  await browser.startTracing(undefined, { categories: ['devtools.timeline', 'disabled-by-default-v8.compile'] });
  const page = await browser.contexts()[0]!.newPage();
  await page.goto(`${server.url}/code-cache.html`);
  expect(await page.evaluate(() => (window as unknown as { run(): Promise<number> }).run())).toBe(3);
  if (cacheWritten) await until(() => cachedChunks(cacheWritten.minBytes).length === BIG.length, `code cache entries of ${cacheWritten.minBytes}+ bytes for ${BIG.join(', ')}`, { ms: 60_000, stepMs: 100 });
  await page.close();
  const trace = JSON.parse((await browser.stopTracing()).toString()) as { traceEvents: { name: string; args?: { data?: { url?: string; consumedCacheSize?: number } } }[] };
  return trace.traceEvents
    .filter((e) => e.name === 'v8.compileModule' && /\/dist\/(inferscope\.worker\.js|worker-chunks\/)/.test(e.args?.data?.url ?? ''))
    .map((e) => ({ chunk: e.args!.data!.url!.replace(/^.*\/dist\/(worker-chunks\/)?/, '').replace(/-[\w-]{8}\.js$/, ''), consumed: e.args!.data!.consumedCacheSize ?? 0 }));
}

test('from the third visit the worker compiles its tfjs + SDK chunks from the code cache', async () => {
  const visits: Compile[][] = [];
  visits.push(await visit({ minBytes: 1 })); // the 2nd visit knows the chunks were loaded before
  visits.push(await visit({ minBytes: 50_000 })); // the 3rd finds their code cache
  visits.push(await visit());
  // The first visit compiles from source; the page ran the worker from the chunks.
  expect(visits[0]!.map((c) => c.chunk)).toEqual(expect.arrayContaining(['inferscope.worker.js', 'main', 'wasm', 'layers']));
  expect(visits[0]!.filter((c) => c.consumed > 0)).toEqual([]);
  // The third: every big chunk (tfjs-core + SDK, the wasm backend, tfjs-layers) from the cache.
  const third = Object.fromEntries(visits[2]!.map((c) => [c.chunk, c.consumed]));
  for (const chunk of BIG) expect(third[chunk], chunk).toBeGreaterThan(50_000);
}, 180_000);
