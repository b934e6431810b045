// What the demo page needs from its server, in dev (`vite`) and in preview (`npm start`):
//   /inferscope/*.wasm  tfjs's WASM binaries, straight from node_modules (copied into the build)
//   /models/**          the repo's models/ folder (manifest, model files, labelled samples)
//   /demo-config.json   where the collector is and the dev ingest key (never the admin token)
//   /collector/**       same-origin proxy to the collector (the collector answers CORS only on
//                       ingest and the live manifest). It adds the admin token to one read-only
//                       route, GET /v1/models/:id/report, so the page shows reports without holding
//                       the token; everything else (the release view, Publish) carries only the
//                       token the person typed in the page's sign-in, as on the dashboard.
//   /examples/**        the repo's examples/ (the script-tag page), /dist/** the built CDN bundle
//                       and its .wasm files beside it, so the example runs as shipped
// and, at build, sw-assets.json: every file of the build, for the service worker to precache.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Connect, Plugin } from 'vite';
import type { IncomingMessage, ServerResponse } from 'node:http';

const WASM_DIR = fileURLToPath(new URL('../node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url));
const REPO = fileURLToPath(new URL('../', import.meta.url));
const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];
const DEV_KEY = 'pk_dev_inferscope'; // src/collector/config.ts DEV_KEY: public by design

const TYPES: Record<string, string> = {
  '.json': 'application/json', '.bin': 'application/octet-stream', '.wasm': 'application/wasm', '.csv': 'text/csv',
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
};

export interface DemoServerOptions {
  /** Folder served at /models/ (default: INFERSCOPE_MODELS_DIR, else the repo's models/). */
  modelsDir?: string;
  /** Environment read per request (default process.env): INFERSCOPE_COLLECTOR_URL, INFERSCOPE_ADMIN_TOKEN (reports only, added by the proxy), INFERSCOPE_APP_KEY, INFERSCOPE_MODELS_DIR. */
  env?: Record<string, string | undefined>;
}

/** Serve a file below `root` with an ETag (the SDK revalidates the manifest with If-None-Match).
 *  A missing file is a 404, never the page's index.html (vite's SPA fallback would answer 200). */
function sendFile(root: string, rel: string, req: IncomingMessage, res: ServerResponse): void {
  const file = normalize(join(root, decodeURIComponent(rel)));
  if (!file.startsWith(normalize(root + sep)) && file !== normalize(root)) { res.statusCode = 403; res.end('forbidden'); return; }
  let body: Buffer;
  try {
    if (!statSync(file).isFile()) throw new Error('not a file');
    body = readFileSync(file);
  } catch {
    res.statusCode = 404;
    res.setHeader('Content-Type', 'text/plain');
    res.end(`not found: ${rel} (served from ${root})`);
    return;
  }
  const etag = `"${createHash('sha1').update(body).digest('base64url')}"`;
  res.setHeader('ETag', etag);
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('Content-Type', TYPES[extname(file)] ?? 'application/octet-stream');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  if (req.headers['if-none-match'] === etag) { res.statusCode = 304; res.end(); return; }
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** Routes the proxy reads with the server's admin token: reports only, GET only. */
const REPORT_ROUTE = /^\/v1\/models\/[^/]+\/report$/;

function proxy(target: string, path: string, req: IncomingMessage, res: ServerResponse, adminToken: string | undefined): void {
  const url = new URL(path, target);
  const headers = { ...req.headers, host: url.host };
  delete headers.origin; // the proxied request is same-origin from the collector's point of view
  if (adminToken && (req.method === 'GET' || req.method === 'HEAD') && REPORT_ROUTE.test(url.pathname) && !headers.authorization) {
    headers.authorization = `Bearer ${adminToken}`;
  }
  const up = request(url, { method: req.method, headers }, (r) => {
    res.writeHead(r.statusCode ?? 502, r.headers);
    r.pipe(res);
  });
  up.on('error', (err) => {
    res.statusCode = 502;
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ error: { code: 'COLLECTOR_UNREACHABLE', message: `collector at ${target} did not answer (${err.message}); is it running? (npm start starts both)` } }));
  });
  req.pipe(up);
}

export function demoMiddleware({ modelsDir, env = process.env }: DemoServerOptions = {}): Connect.NextHandleFunction {
  return (req, res, next) => {
    const models = modelsDir ?? env.INFERSCOPE_MODELS_DIR ?? fileURLToPath(new URL('../models/', import.meta.url));
    const path = (req.url ?? '/').split('?')[0]!;
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    const collector = env.INFERSCOPE_COLLECTOR_URL;
    if (path === '/demo-config.json') {
      res.setHeader('Content-Type', 'application/json');
      res.setHeader('Cache-Control', 'no-store');
      res.end(JSON.stringify({
        collectorUrl: collector ?? null,
        appKey: env.INFERSCOPE_APP_KEY ?? DEV_KEY,
      }));
      return;
    }
    if (path.startsWith('/collector/')) {
      if (!collector) { res.statusCode = 503; res.end('{"error":{"code":"NO_COLLECTOR","message":"no collector configured: run npm start"}}'); return; }
      proxy(collector, (req.url ?? '').slice('/collector'.length), req, res, env.INFERSCOPE_ADMIN_TOKEN);
      return;
    }
    if (path.startsWith('/models/')) return sendFile(models, path.slice('/models/'.length), req, res);
    if (path.startsWith('/examples/')) return sendFile(join(REPO, 'examples'), path.slice('/examples/'.length).replace(/\/$/, '/index.html'), req, res);
    if (path.startsWith('/dist/')) return sendFile(join(REPO, 'dist'), path.slice('/dist/'.length), req, res);
    if (path.startsWith('/inferscope/') && WASM_FILES.includes(path.slice('/inferscope/'.length))) {
      return sendFile(WASM_DIR, path.slice('/inferscope/'.length), req, res);
    }
    next();
  };
}

export function demoServerPlugin(options: DemoServerOptions = {}): Plugin {
  return {
    name: 'inferscope-demo-server',
    configureServer(server) { server.middlewares.use(demoMiddleware(options)); },
    configurePreviewServer(server) { server.middlewares.use(demoMiddleware(options)); },
    generateBundle(_opts, bundle) {
      for (const name of WASM_FILES) {
        this.emitFile({ type: 'asset', fileName: `inferscope/${name}`, source: readFileSync(join(WASM_DIR, name)) });
      }
      const files = [...new Set([...Object.keys(bundle), ...WASM_FILES.map((f) => `inferscope/${f}`), 'sw-assets.json'])]
        .filter((f) => !f.endsWith('.map') && f !== 'e2e.html');
      const id = createHash('sha1').update(files.sort().join('\n')).digest('hex').slice(0, 12);
      this.emitFile({ type: 'asset', fileName: 'sw-assets.json', source: JSON.stringify({ id, files }) });
    },
  };
}
