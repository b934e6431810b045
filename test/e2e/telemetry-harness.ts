// Node side of the telemetry e2e tests: a sink that plays the collector and writes down
// every request it gets, a page server for the bundled telemetry-page.ts (its own origin,
// so stopping the sink leaves the page loadable), and Debian's Chromium with a persistent
// profile (IndexedDB survives reloads).
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { BrowserContext, Page } from 'playwright';
import { startCollector, type RunningCollector } from '../../src/collector/server.js';
import { validateBatch } from '../../src/protocol/wire.js';
import type { Batch } from '../../src/protocol/wire-types.js';
import { launchProfile, type Browser } from '../support/chromium.js';
import { startFaultProxy, type Fault, type FaultProxy } from '../support/fault-proxy.js';
import { until } from '../support/until.js';

const here = dirname(fileURLToPath(import.meta.url));

/** One browser script (ESM, everything bundled in, lazy imports too). */
export const bundleScript = async (entry: string) => (await build({
  entryPoints: [entry], bundle: true, format: 'esm', write: false, minify: false,
  platform: 'browser', target: 'es2022', logLevel: 'silent', define: { 'process.env.NODE_ENV': '"production"' },
})).outputFiles[0]!.text;

/** The SDK's worker script (src/worker.ts), for pages that run createClient({ worker: '/worker.js' }). */
export const workerScript = () => bundleScript(join(here, '../../src/worker.ts'));

/** The page script, plus the two worker-mode scripts: the test's telemetry worker and the SDK's worker. */
export async function bundlePage(): Promise<Scripts> {
  const [app, telWorker, worker] = await Promise.all([bundleScript(join(here, 'telemetry-page.ts')), bundleScript(join(here, 'telemetry-worker.ts')), workerScript()]);
  return { '/app.js': app, '/tel-worker.js': telWorker, '/worker.js': worker };
}
export type Scripts = Record<'/app.js' | '/tel-worker.js' | '/worker.js', string>;

const close = (s: Server) => new Promise<void>((r) => { s.closeAllConnections(); s.close(() => r()); });

/** Page server: '/' and the scripts (or just /app.js), plus files under `staticRoot` at /static/. */
export async function startApp(js: Partial<Scripts> | string, staticRoot?: string): Promise<{ url: string; close(): Promise<void> }> {
  const scripts: Partial<Scripts> = typeof js === 'string' ? { '/app.js': js } : js;
  const html = '<!doctype html><meta charset="utf-8"><title>telemetry</title><script type="module" src="/app.js"></script>';
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path in scripts) return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(scripts[path as keyof Scripts]);
    if (path === '/') return void res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    if (staticRoot && path.startsWith('/static/')) {
      const file = normalize(join(staticRoot, path.slice('/static/'.length)));
      if (file.startsWith(staticRoot)) {
        try { return void res.writeHead(200).end(await readFile(file)); } catch { /* 404 below */ }
      }
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => close(server) };
}

export interface Arrival {
  at: number;
  status: number;
  batch: Batch;
  raw: string;
  gzip: boolean;
  contentType: string;
  url: string;
  referer?: string;
  valid: boolean;
}
export type Answer = { status: number; headers?: Record<string, string> };

export interface Sink {
  url: string;
  port: number;
  arrivals: Arrival[];
  /** Predictions per model at the sink, each batch id counted once (accepted answers only). */
  accepted(): number;
  stop(): Promise<void>;
  /** Start again on the same port (after stop). */
  restart(): Promise<void>;
}

const CORS = { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'POST', 'access-control-allow-headers': 'content-type, content-encoding', 'access-control-max-age': '600' };

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A collector stand-in on 127.0.0.1 that answers from `script(n)` (n = POSTs so far). */
export async function startSink(script: (n: number) => Answer = () => ({ status: 204 }), port = 0): Promise<Sink> {
  const arrivals: Arrival[] = [];
  const handler = async (req: IncomingMessage, res: import('node:http').ServerResponse) => {
    if (req.method === 'OPTIONS') return void res.writeHead(204, CORS).end();
    const buf = await body(req);
    const gzip = req.headers['content-encoding'] === 'gzip';
    const raw = (gzip ? gunzipSync(buf) : buf).toString('utf8');
    const answer = script(arrivals.length);
    let batch = {} as Batch;
    let valid = false;
    try { batch = JSON.parse(raw); valid = validateBatch(batch).ok; } catch { /* recorded as invalid */ }
    arrivals.push({ at: Date.now(), status: answer.status, batch, raw, gzip, contentType: String(req.headers['content-type']), url: req.url ?? '', referer: req.headers.referer, valid });
    res.writeHead(answer.status, { ...CORS, 'access-control-expose-headers': 'retry-after', ...answer.headers }).end();
  };
  let server = createServer(handler);
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}/v1/batches`,
    port: actual,
    arrivals,
    accepted() {
      const seen = new Map<string, Batch>();
      for (const a of arrivals) if (a.status < 300 && a.valid) seen.set(a.batch.batchId, a.batch);
      return [...seen.values()].reduce((n, b) => n + b.models.reduce((m, x) => m + x.predictions, 0), 0);
    },
    stop: () => close(server),
    async restart() {
      server = createServer(handler);
      await new Promise<void>((r) => server.listen(actual, '127.0.0.1', r));
    },
  };
}

export type { Browser } from '../support/chromium.js';

/** A fresh Chromium profile. */
export const launch = () => launchProfile('inferscope-telemetry-');

/** `query`: '?mode=worker' runs the page's telemetry and client in worker mode. */
export async function openPage(context: BrowserContext, appUrl: string, query = '') {
  const page = await context.newPage();
  await page.goto(appUrl + '/' + query);
  await page.waitForFunction(() => 'tel' in globalThis);
  return page;
}

/** Poll `cond` every 50 ms (until() with a 60 s bound: only a never fails it); throws naming `what` when it never holds. */
export const waitFor = (cond: () => boolean, what: string, ms = 60_000): Promise<void> => until(cond, what, { ms, stepMs: 50 });

/**
 * The rig of the telemetry e2e tests against the real collector: the bundled page on its own
 * origin, a collector (SQLite) that accepts only that origin (so every POST through a proxy's
 * port is a real cross-origin request with a preflight), one Chromium profile, and fault proxies
 * in front of the collector (each case its own: its own endpoint, outbox and stash).
 */
export interface CollectorRig {
  app: { url: string; close(): Promise<void> };
  collector: RunningCollector;
  browser: Browser;
  /** A fault proxy in front of the collector, answering `fault` until told otherwise. */
  proxy(fault?: Fault | ((n: number) => Fault)): Promise<FaultProxy>;
  /** Predictions of `model` the collector counted (0 before its first batch). */
  counted(model: string): Promise<number>;
  close(): Promise<void>;
}

export async function startCollectorRig(id: string, adminToken: string, key: string): Promise<CollectorRig> {
  const app = await startApp(await bundlePage());
  const dir = mkdtempSync(join(tmpdir(), `inferscope-${id}-`));
  const collector = await startCollector({ config: { adminToken, apps: [{ id, keys: [key], origins: [app.url] }] }, port: 0, db: join(dir, 'c.sqlite') });
  const browser = await launch();
  const proxies: FaultProxy[] = [];
  return {
    app, collector, browser,
    async proxy(fault = 'pass') {
      const p = await startFaultProxy(collector.url);
      proxies.push(p);
      await p.set(fault);
      return p;
    },
    async counted(model) {
      const r = await fetch(`${collector.url}/v1/models/${model}/report`, { headers: { authorization: `Bearer ${adminToken}` } });
      if (r.status === 404) return 0;
      return ((await r.json()) as { coverage?: { counted: number } }).coverage?.counted ?? 0;
    },
    async close() {
      await browser.close();
      for (const p of proxies) await p.close().catch(() => {});
      await collector.close();
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Closes a tab as a person does (pagehide and visibilitychange run) and waits until it is gone:
 * with runBeforeUnload, page.close() returns before the page has unloaded, so on a loaded machine
 * the next page could start (and read the unload stash) before the closing page wrote it.
 */
export async function closeTab(page: Page): Promise<void> {
  const gone = page.waitForEvent('close');
  await page.close({ runBeforeUnload: true });
  await gone;
}
