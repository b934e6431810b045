// collector-ingest: batches per second and p99 latency at saturation for POST /v1/batches,
// against a bare node:http server that reads the same body and answers 204 — same machine,
// same run, same load generator. autocannon runs in this process; every server runs in its
// own child process, one at a time, so the load generator and the server never share a
// thread; keep-alive, pipelining (1) and connections are the same for every case. The case
// order rotates per round, and PostgreSQL checkpoints after its case, so background work of one
// case does not land in another's run (an earlier version always ran bare right after PostgreSQL).
// Cases: SQLite (file, WAL) and PostgreSQL (throw-away local server). The body is a real
// batch from the SDK's recorder + batch builder (collector-ingest-batch.ts); every request
// carries a fresh batch id, so nothing is short-cut by replay detection. Each server gets a
// warm-up run first (JIT, connection pools), then the measured run. Besides throughput the
// bench reports the server's own CPU time per request (Linux /proc), a figure far less
// sensitive than throughput to other load on a shared machine. Target: ratio >= 0.5.
// Env: BENCH_SECONDS (default 8), BENCH_ROUNDS (default 3; medians are printed),
// BENCH_CONNECTIONS (default 50), BENCH_WARMUP_SECONDS (default 2),
// BENCH_CASES (comma list of bare,fastify,sqlite,postgres; default all; bare always runs).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { startPostgres } from '../test/support/postgres.js';
import { benchBatchJson } from './collector-ingest-batch.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const CASES = ['bare', 'fastify', 'sqlite', 'postgres'].filter((c) => c === 'bare' || !process.env.BENCH_CASES || process.env.BENCH_CASES.split(',').includes(c));
const ROOT = join(import.meta.dirname, '..');
const KEY = 'pk_bench_000000001';
const ADMIN = 'bench-admin-token-0123456789';
const ID = 'X'.repeat(24);
const BODY = benchBatchJson(ROOT, ID);

/** User + system CPU seconds of a process so far (Linux), or NaN elsewhere. */
function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

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

async function load(url: string, seconds: number): Promise<{ rps: number; p99: number; ok: number; total: number; non2xx: number }> {
  const r = await autocannon({
    url: `${url}/v1/batches?key=${KEY}`, connections: CONNECTIONS, duration: seconds,
    requests: [{ method: 'POST', headers: { 'content-type': 'application/json' }, setupRequest: (req) => ({ ...req, body: BODY.replace(ID, randomBytes(12).toString('hex')) }) }],
  });
  return { rps: r.requests.average, p99: r.latency.p99, ok: r['2xx'], total: r.requests.total, non2xx: r.non2xx + r.errors + r.timeouts };
}

async function checkpoint(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try { await client.query('CHECKPOINT'); } finally { await client.end(); }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'inferscope-bench-'));
  const cfg = join(dir, 'collector.json');
  writeFileSync(cfg, JSON.stringify({ adminToken: ADMIN, apps: [{ id: 'bench', keys: [KEY], origins: ['*'], rateLimit: { max: 1e9, windowSeconds: 60 } }] }));
  const pg = CASES.includes('postgres') ? await startPostgres() : null;
  const collector = (storage: string[]) => startChild(['--import', 'tsx', 'src/collector/main.ts', '--config', cfg, '--port', '0', ...storage], /listening on (http:\/\/\S+)/);
  const runs: Record<string, { rps: number; p99: number; cpuUs: number }[]> = { bare: [], fastify: [], sqlite: [], postgres: [] };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      // The order rotates each round, so no case always runs right after PostgreSQL's
      // background work (checkpoint, autovacuum) or always first on a cold machine.
      for (const name of CASES.map((_, i) => CASES[(i + round) % CASES.length]!)) {
        const server = name === 'bare' || name === 'fastify' ? await startChild(['-e', name === 'bare' ? BARE : FASTIFY_FLOOR], /listening on (http:\/\/\S+)/)
          : await collector(name === 'sqlite' ? ['--db', join(dir, `bench-${round}.sqlite`)] : ['--postgres', pg!.url]);
        const stored = async () => name === 'sqlite' || name === 'postgres'
          ? ((await (await fetch(`${server.url}/v1/models/penguins/report?from=${Date.now() - 3600_000}&to=${Date.now() + 120_000}`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { coverage: { batches: number } }).coverage.batches
          : 0;
        try {
          if (WARMUP > 0) await load(server.url, WARMUP);
          // Batches still in flight when the warm-up ended may commit after it: wait until
          // the stored count stops moving, so they are not counted against the measured run.
          let before = await stored();
          for (let prev = -1; prev !== before;) { prev = before; await new Promise((r) => setTimeout(r, 300)); before = await stored(); }
          const cpu0 = cpuSeconds(server.proc.pid!);
          const r = await load(server.url, SECONDS);
          const cpuUs = ((cpuSeconds(server.proc.pid!) - cpu0) * 1e6) / r.total;
          if (r.non2xx > 0) throw new Error(`${name}: ${r.non2xx} requests failed or got non-2xx answers`);
          // Every 2xx must be a counted batch. Requests cut off when the run ends may be
          // stored without their answer being read, hence the + CONNECTIONS slack.
          const added = (await stored()) - before;
          if ((name === 'sqlite' || name === 'postgres') && (added < r.ok || added > r.ok + CONNECTIONS)) throw new Error(`${name}: ${r.ok} batches acknowledged but ${added} stored`);
          runs[name]!.push({ rps: r.rps, p99: r.p99, cpuUs });
          process.stderr.write(`round ${round + 1} ${name}: ${r.rps.toFixed(0)} batches/s, p99 ${r.p99} ms, server CPU ${cpuUs.toFixed(0)} µs/request\n`);
        } finally {
          await stop(server.proc);
          // Flush what the PostgreSQL case left in WAL now, not during the next case's run.
          if (name === 'postgres') await checkpoint(pg!.url);
        }
      }
    }
  } finally {
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const base = { rps: median(runs.bare!.map((r) => r.rps)), p99: median(runs.bare!.map((r) => r.p99)), cpuUs: median(runs.bare!.map((r) => r.cpuUs)) };
  for (const name of CASES.filter((c) => c !== 'bare')) {
    const rs = runs[name]!;
    const value = median(rs.map((r) => r.rps));
    const ratio = value / base.rps;
    const reference = name === 'fastify';
    console.log(JSON.stringify({
      bench: 'collector-ingest', case: reference ? 'reference: fastify route answering 204 (framework only)' : name,
      value: Math.round(value), unit: reference ? 'requests/s' : 'batches/s', baseline: Math.round(base.rps), ratio: Number(ratio.toFixed(3)),
      target: reference ? 'none (reference)' : '>= 0.5', pass: reference ? null : ratio >= 0.5,
      // Same-round ratios show the spread; CPU per request is the server's own cost, load-independent.
      roundRatios: rs.map((r, i) => Number((r.rps / runs.bare![i]!.rps).toFixed(3))),
      p99Ms: median(rs.map((r) => r.p99)), baselineP99Ms: base.p99,
      cpuUsPerRequest: Math.round(median(rs.map((r) => r.cpuUs))), baselineCpuUsPerRequest: Math.round(base.cpuUs),
      rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS,
    }));
  }
}

main().catch((err) => { console.error(err); process.exit(1); });
