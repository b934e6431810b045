#!/usr/bin/env node
// `npm start`: build the demo page and the CDN bundle (for the script-tag example) when their
// sources changed, start the collector on SQLite,
// serve the page (vite preview, COOP/COEP for threaded WASM), print both URLs.
// Ctrl-C stops both. Works right after `npm install`: TypeScript sources run through tsx.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { adminToken as resolveAdminToken } from './admin-token.mjs';

const USAGE = `npm start [-- options]

  --port <n>            demo page port (default 8471, env INFERSCOPE_DEMO_PORT)
  --collector-port <n>  collector port (default 8470, env INFERSCOPE_COLLECTOR_PORT)
  --host <addr>         address both bind to (default 127.0.0.1, env INFERSCOPE_HOST)
  --db <file>           collector SQLite file (default .data/collector.sqlite, env INFERSCOPE_DB)
  --models <dir>        folder with manifest.json served at /models/ (default models/, env INFERSCOPE_MODELS_DIR)
  --rebuild             rebuild the demo page and dist/inferscope.iife.js even when up to date
  -h, --help            this text

The admin token comes from INFERSCOPE_ADMIN_TOKEN (when not empty); otherwise the one kept in
admin-token beside the database (mode 600) is reused, or a new one is made and kept there.`;

const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);

function fail(message) {
  process.stderr.write(`npm start: ${message}\n`);
  process.exit(1);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      port: { type: 'string' }, 'collector-port': { type: 'string' }, host: { type: 'string' }, db: { type: 'string' }, models: { type: 'string' },
      rebuild: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (err) {
  fail(`${err.message}\n\n${USAGE}`);
}
if (values.help) { console.log(USAGE); process.exit(0); }

const env = process.env;
const port = (name, v, dflt) => {
  const n = Number(v ?? dflt);
  if (!Number.isInteger(n) || n < 0 || n > 65535) fail(`--${name} must be an integer 0-65535, got ${v}`);
  return n;
};
const demoPort = port('port', values.port ?? env.INFERSCOPE_DEMO_PORT, 8471);
const collectorPort = port('collector-port', values['collector-port'] ?? env.INFERSCOPE_COLLECTOR_PORT, 8470);
const host = values.host ?? env.INFERSCOPE_HOST ?? '127.0.0.1';
const db = values.db ?? env.INFERSCOPE_DB ?? join('.data', 'collector.sqlite');
const modelsDir = resolve(values.models ?? env.INFERSCOPE_MODELS_DIR ?? 'models');
const manifestPath = join(modelsDir, 'manifest.json');
const token = resolveAdminToken({ dataDir: dirname(db), env });
const adminToken = token.token;

if (!existsSync(join(root, 'node_modules', 'vite'))) fail('dependencies are missing: run `npm install` first');

/** Newest modification time of any file below the given paths. */
function newest(paths) {
  let t = 0;
  const visit = (p) => {
    let s;
    try { s = statSync(p); } catch { return; }
    if (s.isDirectory()) { for (const e of readdirSync(p)) visit(join(p, e)); } else t = Math.max(t, s.mtimeMs);
  };
  for (const p of paths) visit(p);
  return t;
}

async function buildDemo(vite) {
  const built = join(root, 'demo-dist', 'index.html');
  const sources = newest(['demo', 'public', 'src/sdk', 'src/protocol', 'src/index.ts', 'package-lock.json']);
  if (!values.rebuild && existsSync(built) && statSync(built).mtimeMs >= sources) return 'up to date';
  const t0 = Date.now();
  process.env.NODE_ENV = 'production'; // a development build would skip the offline service worker
  await vite.build({ configFile: join(root, 'demo', 'vite.config.ts'), logLevel: 'warn' });
  return `built in ${((Date.now() - t0) / 1000).toFixed(1)} s`;
}

// The script-tag example loads dist/inferscope.iife.js, which exists only after a build.
async function buildCdnBundle() {
  const bundle = join(root, 'dist', 'inferscope.iife.js');
  const sources = newest(['src/sdk', 'src/protocol', 'src/cdn.ts', 'vite.cdn.config.ts', 'package-lock.json']);
  if (!values.rebuild && existsSync(bundle) && statSync(bundle).mtimeMs >= sources) return 'up to date';
  const t0 = Date.now();
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs'), 'cdn'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  return `built in ${((Date.now() - t0) / 1000).toFixed(1)} s`;
}

async function startCollector() {
  const { register } = await import('tsx/esm/api');
  register(); // the collector is TypeScript; tsx compiles it on import
  const { main } = await import('../src/collector/main.ts');
  // The demo's release policy (digits/stable, started by a signed-in person on the page).
  const { DEMO_RELEASES } = await import('../src/collector/releases/demo-policy.ts');
  mkdirSync(dirname(db), { recursive: true });
  const argv = ['--port', String(collectorPort), '--host', host, '--db', db];
  if (existsSync(manifestPath)) argv.push('--manifest', manifestPath);
  try {
    return await main(argv, { signals: false, env: { ...env, INFERSCOPE_ADMIN_TOKEN: adminToken }, releases: DEMO_RELEASES });
  } catch (err) {
    if (err?.code === 'EADDRINUSE') fail(`collector port ${collectorPort} is in use: pass --collector-port <n> (or set INFERSCOPE_COLLECTOR_PORT)`);
    throw err;
  }
}

const vite = await import('vite');
process.stdout.write('building the demo page… ');
console.log(await buildDemo(vite));
process.stdout.write('building the script-tag bundle (dist/)… ');
console.log(await buildCdnBundle());
if (!existsSync(manifestPath)) {
  console.warn(`warning: ${manifestPath} is missing, so the page has no models to offer (see models/README.md to train them); a dropped model folder still works`);
}
const collector = await startCollector();

// The demo server reads these per request: /demo-config.json and the /collector/ proxy.
env.INFERSCOPE_COLLECTOR_URL = collector.url;
env.INFERSCOPE_ADMIN_TOKEN = adminToken;
env.INFERSCOPE_MODELS_DIR = modelsDir;
let page;
try {
  page = await vite.preview({ configFile: join(root, 'demo', 'vite.config.ts'), logLevel: 'warn', preview: { port: demoPort, host, strictPort: true, open: false } });
} catch (err) {
  await collector.close();
  fail(/already in use|EADDRINUSE/.test(String(err?.message ?? err?.code)) ? `demo port ${demoPort} is in use: pass --port <n> (or set INFERSCOPE_DEMO_PORT)` : String(err?.stack ?? err));
}
const pageUrl = page.resolvedUrls?.local[0] ?? `http://${host}:${demoPort}/`;

console.log(`
InferScope is running
  demo page:   ${pageUrl}
  script tag:  ${new URL('examples/script-tag/', pageUrl)}
  collector:   ${collector.url}/   (dashboard: ${collector.url}/#token=${adminToken})
  metrics:     ${collector.url}/metrics
  data:        ${db}
  releases:    the page's "Release" section publishes the digits candidate: sign in there with the
               admin token (the part after #token= above); the page itself never holds it
  admin token: ${token.source === 'env' ? 'from INFERSCOPE_ADMIN_TOKEN' : `${token.source === 'new' ? 'new, kept' : 'kept'} in ${token.file} (delete it for a new one)`}
Ctrl-C stops both.`);

let stopping = false;
async function stop(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping the demo server and the collector…`);
  const timer = setTimeout(() => process.exit(1), 10_000);
  timer.unref();
  await Promise.allSettled([page.close(), collector.close()]);
  process.exit(0);
}
process.once('SIGINT', () => void stop('SIGINT'));
process.once('SIGTERM', () => void stop('SIGTERM'));
