// Probe (not a bench case; run by hand, ~2 min per context): which forms of a worker script get
// V8's code cache across visits in Chromium, read from a trace (v8.compile / v8.compileModule
// events with consumedCacheSize, v8.produceModuleCache). The script is dist/worker.js (one file,
// tfjs + SDK, 1.6 MB; `node scripts/build.mjs worker`) as: a module worker's top-level script, a
// module it imports statically, one it imports dynamically, a classic worker's script, one it
// importScripts()s, and a classic <script> on the page for reference.
//   node bench/worker-code-cache.probe.mjs   (env: VISITS=4, FORMS=a,b, CONTEXTS=persistent,incognito,
//   HEADERS=max-age|etag|none). Results: BENCHMARKS.md `main-thread`, "worker code cache".
import { createServer } from 'node:http';
import { spawn } from 'node:child_process';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright';

const VISITS = Number(process.env.VISITS ?? 4);
const big = readFileSync(new URL('../dist/worker.js', import.meta.url));
// The classic forms: the same code with import.meta (two uses, in tfjs's asset lookup) replaced.
const bigClassic = Buffer.from(big.toString().replace(/import\.meta\.resolve/g, 'undefined').replace(/import\.meta\.url/g, 'self.location.href'));
const files = {
  '/big.mjs': big, '/big-classic.js': bigClassic,
  '/m-top.mjs': Buffer.concat([big, Buffer.from('\n;postMessage(0);')]),
  '/m-static.mjs': Buffer.from("import '/big.mjs'; postMessage(0);"),
  '/m-dynamic.mjs': Buffer.from("import('/big.mjs').then(() => postMessage(0));"),
  '/c-top.js': Buffer.concat([bigClassic, Buffer.from('\n;postMessage(0);')]),
  '/c-import.js': Buffer.from("importScripts('/big-classic.js'); postMessage(0);"),
  '/page.html': Buffer.from('<!doctype html><title>p</title>'),
  '/page-script.html': Buffer.from('<!doctype html><title>p</title><script src="/big-classic.js"></script>'),
};
const FORMS = (process.env.FORMS ?? 'module-top,module-static-import,module-dynamic-import,classic-top,classic-importScripts,page-classic').split(',');
const URLS = { 'module-top': ['/m-top.mjs', 'module'], 'module-static-import': ['/m-static.mjs', 'module'], 'module-dynamic-import': ['/m-dynamic.mjs', 'module'], 'classic-top': ['/c-top.js', 'classic'], 'classic-importScripts': ['/c-import.js', 'classic'], 'page-classic': [null, null] };
const headerMode = process.env.HEADERS ?? 'max-age';
const server = createServer((req, res) => {
  const path = new URL(req.url, 'http://x').pathname;
  const body = files[path];
  if (!body) { res.writeHead(404).end(); return; }
  const h = { 'content-type': path.endsWith('.html') ? 'text/html' : 'text/javascript', connection: 'close' };
  if (headerMode === 'max-age') h['cache-control'] = 'max-age=3600';
  if (headerMode === 'etag') { h['cache-control'] = 'no-cache'; h.etag = '"v1"'; if (req.headers['if-none-match'] === '"v1"') { res.writeHead(304, h).end(); return; } }
  res.writeHead(200, h).end(body);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${server.address().port}`;

async function launch() {
  const dir = mkdtempSync(join(tmpdir(), 'worker-code-cache-probe-'));
  const proc = spawn('/usr/bin/chromium', ['--headless=new', '--no-sandbox', '--remote-debugging-port=0', `--user-data-dir=${dir}`, '--disable-background-networking', '--disable-component-update', '--no-first-run', 'about:blank'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const ws = await new Promise((resolve) => { let s = ''; proc.stderr.on('data', (d) => { s += d; const m = /DevTools listening on (ws:\S+)/.exec(s); if (m) resolve(m[1]); }); });
  const browser = await chromium.connectOverCDP(ws);
  return { browser, proc };
}

for (const ctxKind of (process.env.CONTEXTS ?? 'persistent,incognito').split(',')) {
  for (const form of FORMS) {
    const { browser, proc } = await launch();
    const context = ctxKind === 'persistent' ? browser.contexts()[0] : await browser.newContext();
    const rows = [];
    for (let v = 0; v < VISITS; v++) {
      await browser.startTracing(undefined, { categories: ['devtools.timeline', 'v8', 'disabled-by-default-v8.compile', 'blink.worker'] });
      const page = await context.newPage();
      let ms;
      if (form === 'page-classic') { const t0 = Date.now(); await page.goto(`${origin}/page-script.html?v=${v}`); ms = Date.now() - t0; }
      else {
        await page.goto(`${origin}/page.html`);
        const [u, t] = URLS[form];
        ms = await page.evaluate(([u, t]) => new Promise((resolve, reject) => {
          const t0 = performance.now(); const w = new Worker(u, t === 'module' ? { type: 'module' } : {});
          w.onmessage = () => { resolve(performance.now() - t0); w.terminate(); }; w.onerror = (e) => reject(new Error(String(e.message)));
        }), [u, t]);
      }
      await new Promise((r) => setTimeout(r, 1500)); // let the code cache be written
      await page.close();
      const trace = JSON.parse((await browser.stopTracing()).toString());
      const mine = trace.traceEvents.filter((e) => JSON.stringify(e.args ?? {}).includes('127.0.0.1') && /v8|V8|compile|Compile|Cache|cache|Script|Eval/.test(e.name));
      const ev = mine.map((e) => ({ n: e.name, dur: e.dur && Math.round(e.dur / 1000), u: (JSON.stringify(e.args).match(/127\.0\.0\.1:\d+(\/[\w.-]+)/) ?? [])[1], d: Object.fromEntries(Object.entries(e.args?.data ?? {}).filter(([k]) => !/^(url|lineNumber|columnNumber|frame|sampleTraceId|scriptId|stackTrace)$/.test(k))) }));
      const uniq = new Map(); for (const e of ev) { const k = JSON.stringify([e.n, e.u, e.d]); const o = uniq.get(k); if (o) { o.count++; o.dur += e.dur ?? 0; } else uniq.set(k, { ...e, dur: e.dur ?? 0, count: 1 }); }
      rows.push({ visit: v + 1, ms: Math.round(ms), ev: [...uniq.values()].filter((e) => e.u && !/page/.test(e.u)) });
    }
    console.log(`${headerMode} ${ctxKind} ${form}`);
    for (const r of rows) {
      const parts = r.ev.filter((e) => /^v8\.(compile|compileModule|produceCache|produceModuleCache|deserializeOnBackground|parseOnBackground)$/.test(e.n) && /big|\/(m|c)-top/.test(e.u))
        .map((e) => `${e.n.slice(3)}${/big/.test(e.u) ? '' : `(${e.u})`} ${e.dur}ms${e.d.consumedCacheSize ? ` consumed=${e.d.consumedCacheSize}${e.d.cacheRejected ? ' REJECTED' : ''}` : ''}${e.d.producedCacheSize ? ` produced=${e.d.producedCacheSize}` : ''}`);
      console.log(`  visit ${r.visit} ${r.ms} ms: ${parts.join('; ')}`);
    }
    await browser.close(); proc.kill();
  }
}
server.close();
