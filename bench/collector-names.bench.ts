// collector-names: ingest cost while a client invents names (issue 16.5). Before the per-model
// cap, every new class, feature or importance name stayed in the row and each merge re-read and
// re-wrote all of them (one ingest took 232 ms after a few thousand names). Two cases against one
// collector (SQLite, in this process), all batches in the same minute row of the same model:
// - baseline: batches with the same names every time;
// - invented: every batch carries NAMES new class, feature and importance names (same row: same
//   version and minute, so without the cap the row would grow with every batch).
// value / baseline = median ms per batch over the last half of each case; target ratio <= 1.5
// (flat: the cap folds the new names into "other"). Env: BENCH_BATCHES (default 400), BENCH_NAMES (default 50).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startCollector } from '../src/collector/server.js';
import { Sketch } from '../src/protocol/sketch.js';
import type { Batch } from '../src/protocol/wire-types.js';

const BATCHES = Number(process.env.BENCH_BATCHES ?? 400);
const NAMES = Number(process.env.BENCH_NAMES ?? 50);
const KEY = 'pk_bench_names_0001';

const latency = (() => { const s = new Sketch(); for (let i = 0; i < 50; i++) s.add(2 + (i % 30)); return s.toJSON(); })();
let serial = 0;
const word = () => `n${(serial++).toString(36)}x`; // letters and a few digits: passes the name rules

function batch(invent: boolean, model: string): Batch {
  const now = Date.now();
  const names = invent ? Array.from({ length: NAMES }, word) : Array.from({ length: NAMES }, (_, i) => `fixed${String.fromCharCode(97 + (i % 26))}${Math.floor(i / 26)}`);
  return {
    v: 1, batchId: randomBytes(12).toString('hex'), sdk: 'bench', sentAt: now, window: { start: now - 1000, end: now }, sampleRate: 1,
    client: { browser: 'chrome', browserMajor: 126, os: 'linux', device: 'desktop' },
    models: [{
      model, version: '1.0.0', backend: 'wasm', variant: 'stable', predictions: latency.count, errors: {}, latency,
      scores: [0, 0, 0, 0, 0, 0, 0, 0, 25, 25],
      classes: Object.fromEntries(names.map((n) => [n, 1])),
      features: Object.fromEntries(names.map((n) => [n, [1, 2, 3]])),
      importance: Object.fromEntries(names.map((n) => [n, { sum: 1, n: 1 }])),
    }],
    loads: [], dropped: { queue: 0, outbox: 0 },
  };
}

async function run(url: string, invent: boolean, model: string): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < BATCHES; i++) {
    const body = JSON.stringify(batch(invent, model));
    const t0 = performance.now();
    const r = await fetch(`${url}/v1/batches?key=${KEY}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await r.text();
    if (r.status !== 200) throw new Error(`ingest answered ${r.status}`);
    ms.push(performance.now() - t0);
  }
  const tail = ms.slice(BATCHES / 2).sort((a, b) => a - b);
  return tail[Math.floor(tail.length / 2)]!;
}

const dir = mkdtempSync(join(tmpdir(), 'inferscope-bench-names-'));
const c = await startCollector({
  config: { adminToken: 'bench-admin-token-0123456789', apps: [{ id: 'bench', keys: [KEY], origins: ['*'] }] },
  port: 0, db: join(dir, 'c.sqlite'), rateLimit: { max: 1e9, windowSeconds: 60 },
});
try {
  await run(c.url, false, 'warmup'); // JIT and the first row
  const baseline = await run(c.url, false, 'fixed');
  const value = await run(c.url, true, 'invented');
  const ratio = value / baseline;
  console.log(JSON.stringify({ bench: 'collector-names', case: `ingest, ${NAMES} new names per batch vs the same names`, value: +value.toFixed(3), unit: 'ms/batch', baseline: +baseline.toFixed(3), ratio: +ratio.toFixed(3), target: 'ratio <= 1.5', pass: ratio <= 1.5 }));
} finally {
  await c.close();
  rmSync(dir, { recursive: true, force: true });
}
