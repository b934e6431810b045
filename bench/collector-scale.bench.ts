// collector-scale: CPU per realistic batch, the figure that sizes a deployment. Cases:
// - postgres: 3 collector replicas on one PostgreSQL (the multi-replica deployment), load
//   spread evenly over the replicas;
// - sqlite: one collector on its SQLite file (the single-node default);
// - reference: a Fastify route that parses the same JSON body and answers 204 (the framework's
//   own floor), measured in the same run.
// CPU comes from /proc/<pid>/stat (user + system) of every process involved: each collector,
// and the postmaster plus all its children (backends, WAL writer, checkpointer, autovacuum;
// children that exited are in the postmaster's cutime/cstime). CPU per batch is far less
// sensitive than throughput to other load on a shared machine, but not immune (cache and
// scheduler effects); run a few rounds and read the medians. Batches come from the SDK's
// recorder (collector-scale-batch.ts): two models, three (model, backend) aggregates, drift
// bins, feedback, loads, vitals; each request carries a fresh batch id, so replay detection
// short-cuts nothing; every acknowledged batch is checked to be stored.
// Env: BENCH_SECONDS (default 8), BENCH_ROUNDS (default 3), BENCH_CONNECTIONS (default 48,
// split over the targets), BENCH_WARMUP_SECONDS (default 2, per collector process), BENCH_CASES (comma list of
// fastify,sqlite,postgres; default all), BENCH_REPLICAS (default 3), BENCH_COLLECTOR_ROOT (run the collector from another
// checkout, e.g. a worktree of an older commit with node_modules linked, for an A/B).
// BENCH_AB=<rootA>,<rootB>: instead of the cases, a paired A/B of the replicas case (see pairedAB).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { startPostgres, type TestPostgres } from '../test/support/postgres.js';
import { scaleBatchesJson } from './collector-scale-batch.js';
import { requireSystem } from './require-system.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 48);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
// BENCH_REPLICAS: 1 measures one replica on PostgreSQL, to tell the per-batch cost of the code
// from what running 3 collectors + PostgreSQL + the load generator on this 2-core VM adds.
const REPLICAS = Number(process.env.BENCH_REPLICAS ?? 3);
const CASES = ['fastify', 'sqlite', 'postgres'].filter((c) => !process.env.BENCH_CASES || process.env.BENCH_CASES.split(',').includes(c));
requireSystem('collector-scale', CASES.includes('postgres') || process.env.BENCH_AB ? ['postgresql'] : []);
const ROOT = join(import.meta.dirname, '..');
const COLLECTOR_ROOT = process.env.BENCH_COLLECTOR_ROOT ?? ROOT;
const KEY = 'pk_bench_000000001';
const ADMIN = 'bench-admin-token-0123456789';
const ID = 'X'.repeat(24);
const BODIES = scaleBatchesJson(ROOT, ID);
const TARGET = { collector: 0.5, postgres: 0.3 };
const AB = process.env.BENCH_AB?.split(',');

/** [own, waited-for children] user + system CPU seconds of a process (Linux), or [NaN, NaN]. */
function cpu(pid: number): [number, number] {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return [(Number(f[11]) + Number(f[12])) / 100, (Number(f[13]) + Number(f[14])) / 100];
  } catch {
    return [NaN, NaN];
  }
}

/** CPU seconds of the postmaster, its live children and the children it already reaped. */
function postgresCpu(postmaster: number): number {
  const [own, reaped] = cpu(postmaster);
  let total = own + reaped;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const f = readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]!.split(' ');
      if (Number(f[1]) === postmaster) total += (Number(f[11]) + Number(f[12])) / 100;
    } catch { /* exited meanwhile: its time is in the postmaster's reaped total */ }
  }
  return total;
}

function startChild(args: string[]): Promise<{ url: string; proc: ChildProcess }> {
  const proc = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const on = (d: Buffer) => { out += d.toString(); const m = /listening on (http:\/\/\S+)/.exec(out); if (m) resolve({ url: m[1]!, proc }); };
    proc.stdout!.on('data', on);
    proc.stderr!.on('data', on);
    proc.once('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
}
const stop = (p: ChildProcess) => new Promise<void>((r) => { if (p.exitCode !== null) return r(); p.once('exit', () => r()); p.kill('SIGTERM'); });

const FASTIFY_FLOOR = `const app = require('fastify')({ logger: false, bodyLimit: 262144 });
app.post('/v1/batches', (req, reply) => { reply.code(204).send(); });
app.listen({ port: 0, host: '127.0.0.1' }).then((a) => console.log('listening on ' + a));`;

let variant = 0;
/** Load on every target at once (connections split evenly); per target. */
async function loadEach(urls: string[], seconds: number): Promise<{ ok: number; total: number; failed: number; p99: number }[]> {
  const per = Math.max(1, Math.round(CONNECTIONS / urls.length));
  const rs = await Promise.all(urls.map((url) => autocannon({
    url: `${url}/v1/batches?key=${KEY}`, connections: per, duration: seconds,
    requests: [{ method: 'POST', headers: { 'content-type': 'application/json' }, setupRequest: (req) => ({ ...req, body: BODIES[variant++ % BODIES.length]!.replace(ID, randomBytes(12).toString('hex')) }) }],
  })));
  return rs.map((r) => ({ ok: r['2xx'], total: r.requests.total, failed: r.non2xx + r.errors + r.timeouts, p99: r.latency.p99 }));
}

/** Load on every target at once (connections split evenly); totals over all of them. */
async function load(urls: string[], seconds: number): Promise<{ ok: number; total: number; failed: number; p99: number }> {
  const rs = await loadEach(urls, seconds);
  return {
    ok: rs.reduce((a, r) => a + r.ok, 0),
    total: rs.reduce((a, r) => a + r.total, 0),
    failed: rs.reduce((a, r) => a + r.failed, 0),
    p99: Math.max(...rs.map((r) => r.p99)),
  };
}

async function stored(url: string): Promise<number> {
  const r = await fetch(`${url}/v1/models/penguins/report?from=${Date.now() - 3600_000}&to=${Date.now() + 120_000}`, { headers: { authorization: `Bearer ${ADMIN}` } });
  return ((await r.json()) as { coverage: { batches: number } }).coverage.batches;
}

async function checkpoint(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try { await client.query('CHECKPOINT'); } finally { await client.end(); }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
interface Run { collectorMs: number; postgresMs: number; bps: number; p99: number }

async function runCase(name: string, round: number, dir: string, cfg: string, db: TestPostgres | null): Promise<Run> {
  const collector = (storage: string[]) => startChild(['--import', 'tsx', join(COLLECTOR_ROOT, 'src/collector/main.ts'), '--config', cfg, '--port', '0', ...storage]);
  const servers = name === 'fastify' ? [await startChild(['-e', FASTIFY_FLOOR])]
    : name === 'sqlite' ? [await collector(['--db', join(dir, `bench-${round}.sqlite`)])]
      : await Promise.all(Array.from({ length: REPLICAS }, () => collector(['--postgres', db!.url])));
  const urls = servers.map((s) => s.url);
  const count = () => (name === 'fastify' ? Promise.resolve(0) : stored(urls[0]!));
  try {
    // The warm-up is per process: split over 3 replicas, 2 s gave each a third of the single
    // collector's warm-up batches, and round 1 of the replicas case read highest in every quiet run
    // (0.63-0.64 ms against 0.47-0.60 later): JIT warm-up, not the steady state a deployment runs in.
    if (WARMUP > 0) await load(urls, WARMUP * servers.length);
    // Batches still in flight when the warm-up ended may commit after it: wait until the
    // stored count stops moving, so they are not counted against the measured run.
    let before = await count();
    for (let prev = -1; prev !== before;) { prev = before; await new Promise((r) => setTimeout(r, 300)); before = await count(); }
    const collectorCpu = () => servers.reduce((a, s) => a + cpu(s.proc.pid!)[0], 0);
    const c0 = collectorCpu();
    const p0 = db ? postgresCpu(db.pid()) : 0;
    const t0 = performance.now();
    const r = await load(urls, SECONDS);
    const secs = (performance.now() - t0) / 1000;
    const c1 = collectorCpu();
    const p1 = db && name === 'postgres' ? postgresCpu(db.pid()) : 0;
    if (r.failed > 0) throw new Error(`${name}: ${r.failed} requests failed or got non-2xx answers`);
    if (name !== 'fastify') {
      // Every 2xx must be a stored batch; requests cut off when the run ends may be stored
      // without their answer being read, hence the + CONNECTIONS slack.
      const added = (await count()) - before;
      if (added < r.ok || added > r.ok + CONNECTIONS) throw new Error(`${name}: ${r.ok} batches acknowledged but ${added} stored`);
    }
    const run = { collectorMs: ((c1 - c0) * 1000) / r.total, postgresMs: name === 'postgres' ? ((p1 - p0) * 1000) / r.total : 0, bps: r.total / secs, p99: r.p99 };
    process.stderr.write(`round ${round + 1} ${name}: ${run.bps.toFixed(0)} batches/s, p99 ${r.p99} ms, CPU per batch: collectors ${run.collectorMs.toFixed(3)} ms${name === 'postgres' ? `, PostgreSQL ${run.postgresMs.toFixed(3)} ms` : ''}\n`);
    return run;
  } finally {
    await Promise.all(servers.map((s) => stop(s.proc)));
    // Flush what the PostgreSQL case left in WAL now, not during the next case's run.
    if (name === 'postgres') await checkpoint(db!.url);
  }
}

/**
 * Paired A/B of the replicas case: REPLICAS collectors from each of two checkouts on one
 * PostgreSQL, all loaded at once, so both see the same machine (on a shared VM the load moves
 * CPU per batch 2x between rounds; the ratio within a round moves far less). The two trees
 * swap places every round: with a fixed order the second tree's replicas measured ~6 % more
 * CPU per batch than the first whichever code it ran (2026-12-07, load 11-13), probably as its load
 * generators start after the first's. Prints B/A per round and the median.
 */
async function pairedAB(roots: string[], cfg: string): Promise<void> {
  const db = await startPostgres();
  const trees: { url: string; proc: ChildProcess }[][] = [];
  try {
    for (const root of roots) {
      trees.push(await Promise.all(Array.from({ length: REPLICAS }, () => startChild(['--import', 'tsx', join(root, 'src/collector/main.ts'), '--config', cfg, '--port', '0', '--postgres', db.url]))));
    }
    await load(trees.flat().map((s) => s.url), Math.max(WARMUP, 2));
    const ratios: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 ? [1, 0] : [0, 1];
      const servers = order.flatMap((t) => trees[t]!);
      const c0 = servers.map((s) => cpu(s.proc.pid!)[0]);
      const r = await loadEach(servers.map((s) => s.url), SECONDS);
      const c1 = servers.map((s) => cpu(s.proc.pid!)[0]);
      if (r.some((x) => x.failed)) throw new Error(`paired A/B: requests failed or got non-2xx answers`);
      // CPU per batch of each tree (in `order`), then put back as [A, B].
      const per = order.map((_, i) => {
        let secs = 0;
        let n = 0;
        for (let j = i * REPLICAS; j < (i + 1) * REPLICAS; j++) { secs += c1[j]! - c0[j]!; n += r[j]!.total; }
        return (secs * 1000) / n;
      });
      const [a, b] = order[0] === 0 ? per : [per[1]!, per[0]!];
      ratios.push(b! / a!);
      process.stderr.write(`round ${round + 1} (${order[0] === 0 ? 'A' : 'B'} first): A ${a!.toFixed(3)} ms, B ${b!.toFixed(3)} ms per batch, B/A ${(b! / a!).toFixed(3)}, load ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}\n`);
    }
    console.log(JSON.stringify({
      bench: 'collector-scale', case: `paired A/B, ${REPLICAS} replicas each on one PostgreSQL: collector CPU per batch B/A`, value: Number(median(ratios).toFixed(3)), unit: 'ratio',
      baseline: roots[0], candidate: roots[1], target: 'none (comparison)', pass: null, roundValues: ratios.map((x) => Number(x.toFixed(3))), rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS,
    }));
  } finally {
    await Promise.all(trees.flat().map((s) => stop(s.proc)));
    await db.stop();
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'inferscope-scale-'));
  const cfg = join(dir, 'collector.json');
  writeFileSync(cfg, JSON.stringify({ adminToken: ADMIN, apps: [{ id: 'bench', keys: [KEY], origins: ['*'], rateLimit: { max: 1e9, windowSeconds: 60 } }] }));
  if (AB) {
    if (AB.length !== 2) throw new Error('BENCH_AB takes two checkout roots: BENCH_AB=<before>,<after>');
    try { await pairedAB(AB, cfg); } finally { rmSync(dir, { recursive: true, force: true }); }
    return;
  }
  const db = CASES.includes('postgres') ? await startPostgres() : null;
  const runs: Record<string, Run[]> = { fastify: [], sqlite: [], postgres: [] };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      // The order rotates each round, so no case always runs right after another's
      // background work or always first on a cold machine.
      for (const name of CASES.map((_, i) => CASES[(i + round) % CASES.length]!)) runs[name]!.push(await runCase(name, round, dir, cfg, db));
    }
  } finally {
    await db?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const med = (name: string, k: keyof Run) => median(runs[name]!.map((r) => r[k]));
  const floor = runs.fastify!.length ? med('fastify', 'collectorMs') : null;
  const line = (c: string, value: number, target: number | null, extra: Record<string, unknown>) => console.log(JSON.stringify({
    bench: 'collector-scale', case: c, value: Number(value.toFixed(3)), unit: 'ms CPU per batch',
    baseline: floor === null ? null : Number(floor.toFixed(3)), ratio: floor === null ? null : Number((value / floor).toFixed(2)),
    target: target === null ? 'none (reference)' : `<= ${target} ms`, pass: target === null ? null : value <= target,
    ...extra, rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS, batchBytes: Math.round(BODIES.reduce((a, b) => a + b.length, 0) / BODIES.length),
  }));
  if (floor !== null) line('reference: fastify route parsing the body, answering 204', floor, null, { batchesPerSecond: Math.round(med('fastify', 'bps')) });
  if (runs.sqlite!.length) {
    line('sqlite, single node: collector CPU', med('sqlite', 'collectorMs'), TARGET.collector, { batchesPerSecond: Math.round(med('sqlite', 'bps')), p99Ms: med('sqlite', 'p99'), roundValues: runs.sqlite!.map((r) => Number(r.collectorMs.toFixed(3))) });
  }
  if (runs.postgres!.length) {
    const extra = { replicas: REPLICAS, batchesPerSecond: Math.round(med('postgres', 'bps')), p99Ms: med('postgres', 'p99') };
    line(`postgres, ${REPLICAS} replicas: collector CPU (all replicas)`, med('postgres', 'collectorMs'), TARGET.collector, { ...extra, roundValues: runs.postgres!.map((r) => Number(r.collectorMs.toFixed(3))) });
    line(`postgres, ${REPLICAS} replicas: PostgreSQL CPU`, med('postgres', 'postgresMs'), TARGET.postgres, { ...extra, roundValues: runs.postgres!.map((r) => Number(r.postgresMs.toFixed(3))) });
  }
}

main().catch((err) => { console.error(err); process.exit(1); });
