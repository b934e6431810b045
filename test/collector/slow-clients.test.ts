// Slow and stalled clients against a collector process, over raw sockets (node:net): a
// request whose headers or body stop arriving is answered 408 and closed within a bounded
// time, and a SIGTERM'd collector finishes the batches in flight, cuts the stalled
// connections after its grace period and exits, instead of living as long as they do.
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { KEY_SHOP, admin, makeBatch, modelAggregate, testConfig } from './helpers.js';
import { spawnCollector, type CollectorProcess } from './spawn.js';
import { until } from '../support/until.js';

const dir = mkdtempSync(join(tmpdir(), 'inferscope-slow-'));
const procs: CollectorProcess[] = [];
afterAll(async () => { await Promise.all(procs.map((p) => p.kill('SIGKILL'))); rmSync(dir, { recursive: true, force: true }); });

function config(extra: Record<string, unknown>): string {
  const file = join(dir, `cfg-${procs.length}.json`);
  writeFileSync(file, JSON.stringify({ ...testConfig({ apps: [{ id: 'shop', keys: [KEY_SHOP], origins: ['*'], rateLimit: { max: 100_000, windowSeconds: 60 } }] }), ...extra }));
  return file;
}

async function start(args: string[]): Promise<CollectorProcess> {
  const p = await spawnCollector(args);
  procs.push(p);
  return p;
}

/** A raw HTTP/1.1 client: what it wrote is under our control byte by byte. */
interface Raw { socket: Socket; received(): string; closed: Promise<number> }
function rawConnect(url: string): Promise<Raw> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  let data = '';
  socket.on('data', (d: Buffer) => { data += d.toString(); });
  // A reset (the server cutting a half-sent request) is an expected outcome here, not an error.
  socket.on('error', () => {});
  const t0 = Date.now();
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - t0)));
  return new Promise((resolve) => socket.once('connect', () => resolve({ socket, received: () => data, closed })));
}

const head = (bytes: number) => `POST /v1/batches?key=${KEY_SHOP} HTTP/1.1\r\nHost: collector\r\nContent-Type: application/json\r\nContent-Length: ${bytes}\r\n\r\n`;

describe('request timeouts', () => {
  it('answers 408 and closes every stalled or dripping request within the timeout plus a bounded slack', async () => {
    const c = await start(['--config', config({ requestTimeoutMs: 1000 }), '--db', join(dir, 'timeouts.sqlite'), '--port', '0']);
    const body = JSON.stringify(makeBatch());
    // Where a client stalls: inside the headers, right after them, or part-way through the
    // body; or it drips a byte now and then, never idle long but never finishing.
    const stall = fc.record({
      part: fc.constantFrom('headers', 'body', 'drip'),
      cut: fc.integer({ min: 0, max: body.length - 1 }),
    });
    const cases = fc.sample(stall, { numRuns: 12, seed: 16_4 });
    const timers: NodeJS.Timeout[] = [];
    const results = await Promise.all(cases.map(async ({ part, cut }) => {
      const raw = await rawConnect(c.url);
      const h = head(body.length);
      if (part === 'headers') raw.socket.write(h.slice(0, 1 + (cut % (h.length - 4))));
      else raw.socket.write(h + body.slice(0, cut));
      if (part === 'drip') {
        let i = cut;
        timers.push(setInterval(() => { if (!raw.socket.destroyed && i < body.length - 1) raw.socket.write(body[i++]!); }, 100));
      }
      return { part, ms: await raw.closed, text: raw.received() };
    }));
    timers.forEach(clearInterval);
    for (const r of results) {
      // requestTimeoutMs 1000, checked every 250 ms; 20 s leaves room for a loaded machine
      // while still failing the old behaviour (never closed).
      expect(r.ms, JSON.stringify(r)).toBeLessThan(20_000);
      expect(r.text, JSON.stringify(r)).toMatch(/^HTTP\/1\.1 408 /);
    }
    // The collector is still healthy for well-behaved clients.
    const ok = await fetch(`${c.url}/v1/batches?key=${KEY_SHOP}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(ok.status).toBe(200);
  });
});

describe('graceful shutdown on SIGTERM', () => {
  it('finishes the batch in flight, cuts stalled connections after the grace period, exits, and keeps the batch', async () => {
    const db = join(dir, 'shutdown.sqlite');
    // A long request timeout: here only the shutdown grace period may close the stalled ones.
    // The grace is generous so the request in flight finishes within it on a loaded machine.
    const cfg = config({ requestTimeoutMs: 120_000, shutdownGraceMs: 8000 });
    // info: Fastify logs 'incoming request' once it has parsed a request's headers.
    const c = await start(['--config', cfg, '--db', db, '--port', '0', '--log-level', 'info']);
    const batch = makeBatch({ models: [modelAggregate({ model: 'inflight' })], loads: [] });
    const body = JSON.stringify(batch);
    const inflight = await rawConnect(c.url);
    inflight.socket.write(head(body.length) + body.slice(0, 100));
    const stalled = await Promise.all(Array.from({ length: 5 }, async (_, i) => {
      const raw = await rawConnect(c.url);
      raw.socket.write(head(body.length) + body.slice(0, 10 * i));
      return raw;
    }));
    // The collector must have seen every request's headers before the signal: a connection
    // whose request it has not parsed yet is idle to server.close() and cut at once (a fixed
    // 300 ms was not always enough on a loaded machine).
    await until(() => (c.output().match(/"msg":"incoming request"/g) ?? []).length >= 1 + stalled.length, 'the collector to read all 6 requests\' headers');
    const exited = once(c.proc, 'exit').then(([code]) => code as number);
    const t0 = Date.now();
    c.proc.kill('SIGTERM');
    while (!/SIGTERM: finishing/.test(c.output())) await new Promise((r) => setTimeout(r, 20));
    // The request in flight completes after the signal and is answered normally.
    inflight.socket.write(body.slice(100));
    let cut = false;
    void inflight.closed.then(() => { cut = true; });
    while (!cut && !/"counted"/.test(inflight.received())) await new Promise((r) => setTimeout(r, 20));
    expect(inflight.received()).toMatch(/^HTTP\/1\.1 200 /);
    expect(inflight.received()).toContain('"counted":true');
    expect(await exited).toBe(0);
    // Bounded: grace 8 s (+ commit and close); 30 s is slack for a loaded machine, the old
    // code never exited while a body was stalled.
    expect(Date.now() - t0).toBeLessThan(30_000);
    for (const s of stalled) await s.closed;
    expect(stalled.every((s) => !/HTTP\/1\.1 200/.test(s.received()))).toBe(true);

    // The answered batch was durable: a new process on the same file counts it once.
    const again = await start(['--config', cfg, '--db', db, '--port', '0']);
    const rep = await (await admin(`${again.url}/v1/models/inflight/report`)).json();
    expect(rep.coverage.batches).toBe(1);
    expect(rep.predictions).toBe(batch.models[0]!.predictions);
  });
});
