// A tiny static file server for Node-tier tests: serves the repository over real HTTP so
// client.load({ url }) goes through fetch() as in a browser. `override` lets a test answer a
// path with something else (e.g. an HTML page where a .wasm file should be).
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TYPES: Record<string, string> = { '.json': 'application/json', '.bin': 'application/octet-stream', '.wasm': 'application/wasm', '.html': 'text/html', '.js': 'text/javascript' };

export interface StaticServer { url: string; requests: string[]; close(): Promise<void> }

export async function serveStatic(options: { root?: string; override?: (path: string) => { status?: number; type?: string; body: string | Uint8Array } | undefined; headers?: Record<string, string> } = {}): Promise<StaticServer> {
  const { root = REPO_ROOT, override, headers = {} } = options;
  const requests: string[] = [];
  const server: Server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    // No keep-alive: a socket idle across a long benchmark must not be reused half-closed.
    res.setHeader('connection', 'close');
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    const o = override?.(path);
    if (o) { res.writeHead(o.status ?? 200, { 'content-type': o.type ?? 'text/html' }); res.end(o.body); return; }
    const file = normalize(join(root, path));
    if (!file.startsWith(root)) { res.writeHead(403).end(); return; }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': body.length });
      res.end(body);
    } catch { res.writeHead(404, { 'content-type': 'text/plain' }).end('not found'); }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((r) => server.close(() => r())) };
}
