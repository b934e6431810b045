// Node side of the delivery e2e tests and bench/load: bundles delivery-page.ts with esbuild,
// serves it from its own origin (the model server is another origin, so stopping it leaves the
// page loadable) and starts Debian's Chromium with a persistent profile (IndexedDB survives
// reloads and is shared by pages of the context).
import { build } from 'esbuild';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext } from 'playwright';
import { launchProfile, type Browser } from '../support/chromium.js';

const here = dirname(fileURLToPath(import.meta.url));

const bundle = async (entry: string): Promise<string> => (await build({
  entryPoints: [entry], bundle: true, format: 'esm', write: false, minify: false,
  platform: 'browser', target: 'es2022', logLevel: 'silent', define: { 'process.env.NODE_ENV': '"production"' },
})).outputFiles[0]!.text;

export const bundlePage = (): Promise<string> => bundle(join(here, 'delivery-page.ts'));

/** The worker of worker mode from the sources (src/worker.ts, lazy chunks inlined), served at /worker.js. */
export const bundleWorker = (): Promise<string> => bundle(join(here, '../../src/worker.ts'));

/** The same worker with a test fault the page can ask for (fault-worker.ts). */
export const bundleFaultWorker = (): Promise<string> => bundle(join(here, 'fault-worker.ts'));

export interface App { url: string; close(): Promise<void> }

export async function startApp(js: string, workerJs?: string): Promise<App> {
  const html = '<!doctype html><meta charset="utf-8"><title>delivery</title><script type="module" src="/app.js"></script>';
  const server: Server = createServer((req, res) => {
    if (req.url === '/app.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
    else if (req.url === '/worker.js' && workerJs) res.writeHead(200, { 'content-type': 'text/javascript' }).end(workerJs);
    else if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

export type { Browser } from '../support/chromium.js';

/** A fresh Chromium profile. */
export const launch = () => launchProfile('inferscope-delivery-');

/** A non-persistent (incognito-like) context: IndexedDB lives in memory and its bytes are counted differently. */
export async function launchEphemeral(): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
  const context = await browser.newContext();
  return { context, close: () => browser.close() };
}

export async function openPage(context: BrowserContext, appUrl: string) {
  const page = await context.newPage();
  await page.goto(appUrl + '/');
  await page.waitForFunction(() => 'delivery' in globalThis);
  return page;
}
