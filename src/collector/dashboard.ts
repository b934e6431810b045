// GET / : one page of charts (uPlot, served from node_modules) over the report API.
// The page holds no data of its own: it asks for the admin token (from the URL
// fragment #token=..., which never reaches a server log, or a form field) and calls
// /v1/models and /v1/models/:id/report like any other client.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { DASHBOARD_SCRIPT } from './dashboard-script.js';
import { errorBody } from './http-errors.js';

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>InferScope collector</title>
<link rel="icon" href="/favicon.ico" type="image/svg+xml">
<link rel="stylesheet" href="/assets/uplot.min.css">
<style>
body{font:14px system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d232b}
header{display:flex;gap:12px;align-items:center;padding:10px 18px;background:#1d232b;color:#fff;flex-wrap:wrap}
header h1{font-size:16px;margin:0 12px 0 0} header label{font-size:12px;opacity:.85}
header select,header input,header button{font:inherit;padding:3px 6px}
#status{font-size:12px;opacity:.8}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:10px;padding:14px 18px 0}
.kpi{background:#fff;border-radius:6px;padding:10px 12px;box-shadow:0 1px 2px #0002}
.kpi b{display:block;font-size:20px;margin-top:2px} .kpi span{font-size:12px;color:#5b6470}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:14px;padding:14px 18px}
.card{background:#fff;border-radius:6px;padding:10px 12px;box-shadow:0 1px 2px #0002;min-height:260px}
.card h2{font-size:13px;margin:0 0 6px;color:#39424e} .empty{color:#8a929c;font-size:12px;padding:40px 0;text-align:center}
.bad{color:#b3261e}.ok{color:#1e7b34}
#releases table{border-collapse:collapse;width:100%;font-size:12px} #releases td,#releases th{text-align:left;padding:3px 6px;border-bottom:1px solid #eceef1;vertical-align:top}
#releases button{font:inherit;padding:1px 8px;margin:0 4px 2px 0} #release-result{font-size:12px;margin:0 0 6px;min-height:1em}
.signin{max-width:560px;margin:60px auto;background:#fff;border-radius:8px;padding:22px 26px;box-shadow:0 1px 3px #0003}
.signin h2{margin:0 0 8px;font-size:20px} .signin input,.signin button{font:inherit;padding:6px 8px} code{font-size:12px}
</style></head>
<body>
<header><h1>InferScope</h1>
<span id="controls" hidden>
<label>model <select id="model"></select></label>
<label>range <select id="range">${'${RANGES}'}</select></label>
<button id="signout" type="button">Sign out</button></span>
<span id="status"></span></header>
<section id="signin" class="signin" hidden>
<h2>Sign in to see your models</h2>
<p>The dashboard reads reports with the collector's admin token. <code>npm start</code> prints a dashboard link
that carries it (<code>…/#token=…</code>) and keeps it in <code>.data/admin-token</code>; a collector started with
<code>--config</code> uses the file's <code>adminToken</code>, otherwise <code>INFERSCOPE_ADMIN_TOKEN</code>.</p>
<form id="signin-form"><input id="token" type="password" size="40" placeholder="admin token" autocomplete="current-password" aria-label="admin token">
<button id="go">Sign in</button></form>
<p id="signin-error" class="bad"></p>
</section>
<main id="board" hidden>
<section class="kpis" id="kpis"></section>
<section class="grid">
<div class="card"><h2>Latency percentiles (ms)</h2><div id="c-latency" class="chart"></div></div>
<div class="card"><h2>Predictions per interval</h2><div id="c-predictions" class="chart"></div></div>
<div class="card"><h2>Errors per interval</h2><div id="c-errors" class="chart"></div></div>
<div class="card"><h2>Drift per feature (PSI, short and long window)</h2><div id="c-drift" class="chart"></div></div>
<div class="card"><h2>Accuracy / F1 per class (feedback)</h2><div id="c-accuracy" class="chart"></div></div>
<div class="card"><h2>Backend mix (predictions)</h2><div id="c-backends" class="chart"></div></div>
<div class="card"><h2>Feature importance per version (mean |attribution|; rollout variants side by side)</h2><div id="c-importance" class="chart"></div></div>
</section>
<section class="grid"><div class="card"><h2>Releases (state and timeline of decisions; holds folded)</h2><p id="release-result" role="status"></p><div id="releases"></div></div></section>
</main>
<script src="/assets/uplot.iife.min.js"></script>
<script>${'${SCRIPT}'}</script>
</body></html>`;

/** Ranges offered (label, milliseconds); 24 h is the default. */
export const DASHBOARD_RANGES: [string, number][] = [['1 h', 3_600_000], ['6 h', 21_600_000], ['24 h', 86_400_000], ['7 d', 604_800_000], ['30 d', 2_592_000_000]];

// A small SVG mark, so the browser's automatic /favicon.ico request is not a 404 console error.
const FAVICON = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1d232b"/>'
  + '<path d="M3 12 6 7l3 3 4-6" stroke="#2f7ed8" stroke-width="2" fill="none"/></svg>';

export function registerDashboard(app: FastifyInstance): void {
  const dist = dirname(createRequire(import.meta.url).resolve('uplot'));
  // A Map: the asset name comes from the URL ("toString" is not an asset).
  const assets = new Map<string, { file: string; type: string }>([
    ['uplot.iife.min.js', { file: join(dist, 'uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' }],
    ['uplot.min.css', { file: join(dist, 'uPlot.min.css'), type: 'text/css; charset=utf-8' }],
  ]);
  const cache = new Map<string, Buffer>();
  const ranges = DASHBOARD_RANGES.map(([label, ms]) => `<option value="${ms}"${label === '24 h' ? ' selected' : ''}>${label}</option>`).join('');
  const html = PAGE.replace('${RANGES}', ranges).replace('${SCRIPT}', DASHBOARD_SCRIPT);
  app.get('/favicon.ico', async (_req, reply) => reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(FAVICON));
  app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html));
  app.get('/assets/:name', async (req, reply) => {
    const a = assets.get((req.params as { name: string }).name);
    if (!a) return reply.code(404).send(errorBody('NOT_FOUND', 'no such asset; the dashboard serves uplot.iife.min.js and uplot.min.css'));
    let body = cache.get(a.file);
    if (!body) cache.set(a.file, (body = readFileSync(a.file)));
    return reply.type(a.type).header('cache-control', 'public, max-age=3600').send(body);
  });
}
