// A tiny HTTP proxy in front of the real collector that fails on command, for the telemetry
// e2e matrix: pass through, answer a status itself (500, 429 + Retry-After), refuse
// connections (stops listening), be slow, or cut the connection after the collector has
// answered (so the batch is stored but the page never hears so). It writes down every POST
// with its batch id and what the collector said (counted or deduplicated).
//
// Answers the proxy makes up carry the CORS headers the collector itself puts on an ingest
// answer for the same request (asked with a body it refuses), so a page on another origin
// can read exactly what it could read from the real collector, Retry-After included or not.
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export type Fault =
  | 'pass'
  | 'refuse'
  | 'cut'
  | { status: number; headers?: Record<string, string> }
  | { slowMs: number };

export interface ProxiedPost {
  /** When the request arrived (ms since epoch). */
  at: number;
  batchId: string;
  /** 'application/json' from fetch, 'text/plain…' from sendBeacon. */
  contentType: string;
  gzip: boolean;
  /** Body bytes as sent (gzip or not). */
  bytes: number;
  /** What the page got: a status, or 'cut'. */
  answer: number | 'cut';
  /** When it was answered (or cut). */
  answeredAt: number;
  /** The collector's verdict when it saw the batch: true counted, false a duplicate. */
  counted?: boolean;
  /** Web-vitals names the batch carries. */
  vitals: string[];
}

export interface FaultProxy {
  /** e.g. http://127.0.0.1:PORT (same path layout as the collector). */
  url: string;
  posts: ProxiedPost[];
  /** Next faults: a fixed one, or one per POST (n = POSTs so far; not 'refuse'). 'refuse'
   *  closes the port until the next set(); calls apply in order. */
  set(fault: Fault | ((n: number) => Fault)): Promise<void>;
  close(): Promise<void>;
}

const readAll = async (s: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
};

function peek(body: Buffer, gzip: boolean): { batchId: string; vitals: string[] } {
  try {
    const b = JSON.parse((gzip ? gunzipSync(body) : body).toString('utf8')) as { batchId?: unknown; vitals?: object };
    return { batchId: String(b.batchId ?? ''), vitals: Object.keys(b.vitals ?? {}) };
  } catch {
    return { batchId: '', vitals: [] };
  }
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const to = new URL(target);
  const posts: ProxiedPost[] = [];
  let fault: Fault | ((n: number) => Fault) = 'pass';

  /** One request to the collector; resolves with its full answer. */
  const forward = (req: IncomingMessage, body: Buffer, headers = req.headers) =>
    new Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }>((resolve, reject) => {
      const out = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: { ...headers, host: to.host, 'content-length': String(body.length) } }, (res) => {
        readAll(res).then((b) => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: b }), reject);
      });
      out.on('error', reject);
      out.end(body);
    });

  const reply = (res: ServerResponse, a: { status: number; headers: IncomingMessage['headers']; body: Buffer }) => {
    const h = { ...a.headers };
    delete h['transfer-encoding'];
    delete h.connection;
    res.writeHead(a.status, h as Record<string, string>).end(a.body);
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readAll(req);
    if (req.method !== 'POST') return reply(res, await forward(req, body));
    const f = typeof fault === 'function' ? fault(posts.length) : fault;
    const gzip = req.headers['content-encoding'] === 'gzip';
    const post: ProxiedPost = { at: Date.now(), ...peek(body, gzip), contentType: String(req.headers['content-type'] ?? ''), gzip, bytes: body.length, answer: 0, answeredAt: 0 };
    posts.push(post);
    if (typeof f === 'object' && 'status' in f) {
      // The collector's own CORS headers for this request, from an answer to a body it refuses.
      const probe = await forward(req, Buffer.from('{}'), { ...req.headers, 'content-type': 'application/json', 'content-encoding': 'identity' });
      const cors = Object.fromEntries(Object.entries(probe.headers).filter(([k]) => k.startsWith('access-control-') || k === 'vary'));
      post.answer = f.status;
      post.answeredAt = Date.now();
      return reply(res, { status: f.status, headers: { ...cors, 'content-type': 'application/json', ...f.headers }, body: Buffer.from('{"error":{"code":"FAULT","message":"injected by the test proxy"}}') });
    }
    if (typeof f === 'object' && 'slowMs' in f) await new Promise((r) => setTimeout(r, f.slowMs));
    const a = await forward(req, body);
    try { post.counted = (JSON.parse(a.body.toString('utf8')) as { counted?: boolean }).counted; } catch { /* not an ingest answer */ }
    post.answeredAt = Date.now();
    if (f === 'cut') {
      post.answer = 'cut';
      req.socket.destroy(); // stored by the collector, never answered to the page
      return;
    }
    post.answer = a.status;
    reply(res, a);
  }

  let server: Server | null = null;
  let port = 0;
  const listen = async () => {
    server = createServer((req, res) => { handle(req, res).catch(() => { if (!res.headersSent) res.writeHead(502).end(); else res.destroy(); }); });
    await new Promise<void>((r) => server!.listen(port, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  };
  const stop = () => new Promise<void>((r) => {
    if (!server) return r();
    const s = server;
    server = null;
    s.closeAllConnections();
    s.close(() => r());
  });
  await listen();
  let order = Promise.resolve();
  return {
    url: `http://127.0.0.1:${port}`,
    posts,
    set(next) {
      order = order.then(async () => {
        fault = next;
        if (next === 'refuse') await stop();
        else if (!server) await listen();
      });
      return order;
    },
    close: stop,
  };
}
