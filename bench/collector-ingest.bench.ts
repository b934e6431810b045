// collector-ingest: batches per second and p99 latency at saturation for POST /v1/batches,
// against a bare node:http server that reads the same body and answers 204 — same machine,
// same run, same load generator (autocannon, in this process; servers in child processes).
// Cases: SQLite (file, WAL) and PostgreSQL (throw-away local server). Every request carries
// a fresh batch id, so nothing is short-cut by replay detection. Target: ratio >= 0.5.
// Env: BENCH_SECONDS (default 8), BENCH_ROUNDS (default 3; medians are printed), BENCH_CONNECTIONS (default 50).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Sketch } from '../src/protocol/sketch.js';
import type { Batch } from '../src/protocol/wire-types.js';
import { startPostgres } from '../test/support/postgres.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ROOT = join(import.meta.dirname, '..');
const KEY = 'pk_bench_000000001';
const ADMIN = 'bench-admin-token-0123456789';

function template(): Batch {
  const lat = new Sketch();
  for (let i = 0; i < 500; i++) lat.add(2 + (i % 97) * 0.37);
  const now = Date.now();
  return {
    v: 1, batchId: 'X'.repeat(24), sdk: 'inferscope/0.1.0', sentAt: now, window: { start: now - 30_000, end: now }, sampleRate: 1,
    client: { browser: 'chrome', browserMajor: 126, os: 'windows', device: 'desktop' },
    models: [{ model: 'digits', version: '1.0.0', backend: 'wasm', variant: 'stable', predictions: 500, errors: { PREDICT_FAILED: 2 }, latency: lat.toJSON(),
      scores: [0, 1, 2, 3, 5, 10, 20, 60, 150, 249], classes: { 0: 50, 1: 48, 2: 51, 3: 49, 4: 50, 5: 52, 6: 50, 7: 50, 8: 50, 9: 50 },
      features: { mean: [40, 60, 50, 50, 50, 50, 50, 50, 50, 50, 50], ink: [50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50] }, confusion: [['3', '3', 9], ['3', '8', 1]] }],
    loads: [{ model: 'digits', version: '1.0.0', variant: 'stable', backend: 'wasm', source: 'cache', bytes: 120_000, ms: 41, fallbacks: [{ backend: 'webgpu', reason: 'no adapter' }], count: 1 }],
    dropped: { queue: 0, outbox: 0 },
  };
}
const BODY = JSON.stringify(template());

function startChild(args: string[], ready: RegExp): Promise<{ url: string; proc: ChildProcess }> {
  const proc = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const on = (d: Buffer) => { out += d.toString(); const m = ready.exec(out); if (m) resolve({ url: m[1]!, proc }); };
    proc.stdout!.on('data', on);
    proc.stderr!.on('data', on);
    proc.once('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
}
const stop = (p: ChildProcess) => new Promise<void>((r) => { if (p.exitCode !== null) return r(); p.once('exit', () => r()); p.kill('SIGTERM'); });

const BARE = `const http = require('node:http');
const s = http.createServer((req, res) => { req.on('data', () => {}); req.on('end', () => { res.writeHead(204); res.end(); }); });
s.listen(0, '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + s.address().port));`;

// Reference only: the framework alone (Fastify parsing the JSON body, answering 204), to
// show how much of the gap to bare node:http is the framework and how much is our work.
const FASTIFY_FLOOR = `const app = require('fastify')({ logger: false, bodyLimit: 262144 });
app.post('/v1/batches', (req, reply) => { reply.code(204).send(); });
app.listen({ port: 0, host: '127.0.0.1' }).then((a) => console.log('listening on ' + a));`;

async function load(url: string): Promise<{ rps: number; p99: number; ok: number; non2xx: number }> {
  const r = await autocannon({
    url: `${url}/v1/batches?key=${KEY}`, connections: CONNECTIONS, duration: SECONDS,
    requests: [{ method: 'POST', headers: { 'content-type': 'application/json' }, setupRequest: (req) => ({ ...req, body: BODY.replace('X'.repeat(24), randomBytes(12).toString('hex')) }) }],
  });
  return { rps: r.requests.average, p99: r.latency.p99, ok: r['2xx'], non2xx: r.non2xx + r.errors + r.timeouts };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'inferscope-bench-'));
  const cfg = join(dir, 'collector.json');
  writeFileSync(cfg, JSON.stringify({ adminToken: ADMIN, apps: [{ id: 'bench', keys: [KEY], origins: ['*'], rateLimit: { max: 1e9, windowSeconds: 60 } }] }));
  const pg = await startPostgres();
  const collector = (storage: string[]) => startChild(['--import', 'tsx', 'src/collector/main.ts', '--config', cfg, '--port', '0', ...storage], /listening on (http:\/\/\S+)/);
  const runs: Record<string, { rps: number; p99: number }[]> = { bare: [], fastify: [], sqlite: [], postgres: [] };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of ['bare', 'fastify', 'sqlite', 'postgres'] as const) {
        const server = name === 'bare' || name === 'fastify' ? await startChild(['-e', name === 'bare' ? BARE : FASTIFY_FLOOR], /listening on (http:\/\/\S+)/)
          : await collector(name === 'sqlite' ? ['--db', join(dir, `bench-${round}.sqlite`)] : ['--postgres', pg.url]);
        const stored = async () => name === 'sqlite' || name === 'postgres'
          ? ((await (await fetch(`${server.url}/v1/models/digits/report?from=${Date.now() - 3600_000}&to=${Date.now() + 120_000}`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { coverage: { batches: number } }).coverage.batches
          : 0;
        try {
          const before = await stored();
          const r = await load(server.url);
          if (r.non2xx > 0) throw new Error(`${name}: ${r.non2xx} requests failed or got non-2xx answers`);
          // Every 2xx must be a counted batch. Requests cut off when the run ends may be
          // stored without their answer being read, hence the + CONNECTIONS slack.
          const added = (await stored()) - before;
          if ((name === 'sqlite' || name === 'postgres') && (added < r.ok || added > r.ok + CONNECTIONS)) throw new Error(`${name}: ${r.ok} batches acknowledged but ${added} stored`);
          runs[name]!.push({ rps: r.rps, p99: r.p99 });
          process.stderr.write(`round ${round + 1} ${name}: ${r.rps.toFixed(0)} batches/s, p99 ${r.p99} ms\n`);
        } finally {
          await stop(server.proc);
        }
      }
    }
  } finally {
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const base = { rps: median(runs.bare!.map((r) => r.rps)), p99: median(runs.bare!.map((r) => r.p99)) };
  const floor = median(runs.fastify!.map((r) => r.rps));
  console.log(JSON.stringify({ bench: 'collector-ingest', case: 'reference: fastify route answering 204 (framework only)', value: Math.round(floor), unit: 'requests/s', baseline: Math.round(base.rps), ratio: Number((floor / base.rps).toFixed(3)), target: 'none (reference)', pass: null, p99Ms: median(runs.fastify!.map((r) => r.p99)), baselineP99Ms: base.p99 }));
  for (const name of ['sqlite', 'postgres'] as const) {
    const value = median(runs[name]!.map((r) => r.rps));
    const p99 = median(runs[name]!.map((r) => r.p99));
    const ratio = value / base.rps;
    console.log(JSON.stringify({ bench: 'collector-ingest', case: name, value: Math.round(value), unit: 'batches/s', baseline: Math.round(base.rps), ratio: Number(ratio.toFixed(3)), target: '>= 0.5', pass: ratio >= 0.5, p99Ms: p99, baselineP99Ms: base.p99, rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS }));
  }
}

main().catch((err) => { console.error(err); process.exit(1); });
