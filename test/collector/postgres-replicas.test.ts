// Three collector processes share one real PostgreSQL. Concurrent batches for the same
// (model, version, backend, minute) rows, plus replays sent to different replicas, must
// add up exactly: no lost update, no double count, before and after the roll-up of the
// insert-only parts into aggregates.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type TestPostgres } from '../support/postgres.js';
import { ADMIN, KEY_SHOP, admin, latencySketch, makeBatch, modelAggregate, testConfig } from './helpers.js';
import { spawnCollector, type CollectorProcess } from './spawn.js';

let pg_: TestPostgres;
let replicas: CollectorProcess[] = [];
let dir: string;

beforeAll(async () => {
  pg_ = await startPostgres();
  dir = mkdtempSync(join(tmpdir(), 'inferscope-replicas-'));
  const cfg = join(dir, 'collector.json');
  writeFileSync(cfg, JSON.stringify(testConfig({ apps: [{ id: 'shop', keys: [KEY_SHOP], origins: ['*'], rateLimit: { max: 100_000, windowSeconds: 60 } }] })));
  // Started together: they race on the migrations, which an advisory lock serializes.
  replicas = await Promise.all([0, 1, 2].map(() => spawnCollector(['--postgres', pg_.url, '--config', cfg, '--port', '0'])));
});

afterAll(async () => {
  await Promise.all(replicas.map((r) => r.kill()));
  await pg_?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('3 replicas on one PostgreSQL', () => {
  it('keeps exact totals under concurrent load with replays', async () => {
    const backends = ['wasm', 'webgl'] as const;
    const batches = Array.from({ length: 240 }, (_, i) => {
      const n = 1 + (i % 7);
      const lat = latencySketch(Array.from({ length: n }, (_, j) => 2 + ((i * 7 + j) % 50)));
      return makeBatch({
        models: [modelAggregate({ model: 'race', backend: backends[i % 2]!, predictions: n, latency: lat, errors: i % 5 === 0 ? { PREDICT_FAILED: 1 } : {}, confusion: [['3', i % 3 === 0 ? '7' : '3', 1]] })],
        loads: [],
      });
    });
    // Every 4th batch is also replayed to another replica at the same time.
    const sends = batches.flatMap((b, i) => (i % 4 === 0 ? [[b, i % 3], [b, (i + 1) % 3]] : [[b, i % 3]]) as [typeof b, number][]);
    let next = 0;
    const statuses: number[] = [];
    await Promise.all(Array.from({ length: 24 }, async () => {
      while (next < sends.length) {
        const [b, r] = sends[next++]!;
        const res = await fetch(`${replicas[r]!.url}/v1/batches?key=${KEY_SHOP}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(b) });
        statuses.push(res.status);
        await res.arrayBuffer();
      }
    }));
    expect(statuses.every((s) => s === 200)).toBe(true);

    const expected = {
      predictions: batches.reduce((a, b) => a + b.models[0]!.predictions, 0),
      errors: batches.filter((_, i) => i % 5 === 0).length,
      feedback: batches.length,
      correct: batches.filter((_, i) => i % 3 !== 0).length,
      batches: batches.length,
    };
    // Any replica answers the same report: the state is in the database. Checked twice:
    // while ingested parts may still wait for the roll-up, and after every part was rolled
    // up into the aggregates (the roll-up neither drops nor double-counts).
    await checkReports(expected);
    const db = new pg.Client({ connectionString: pg_.url });
    await db.connect();
    try {
      for (let t0 = Date.now(); Number((await db.query('SELECT count(*) AS n FROM aggregate_parts')).rows[0].n) > 0;) {
        if (Date.now() - t0 > 60_000) throw new Error('parts were not rolled up within 60 s');
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(Number((await db.query("SELECT count(*) AS n FROM aggregates WHERE model = 'race'")).rows[0].n)).toBeGreaterThan(0);
    } finally {
      await db.end();
    }
    await checkReports(expected);
  });
});

async function checkReports(expected: { predictions: number; errors: number; feedback: number; correct: number; batches: number }): Promise<void> {
  for (const r of replicas) {
    const rep = await (await admin(`${r.url}/v1/models/race/report`)).json();
    expect(rep.predictions).toBe(expected.predictions);
    expect(rep.latencyMs.count).toBe(expected.predictions);
    expect(rep.errors).toBe(expected.errors);
    expect(rep.classification.n).toBe(expected.feedback);
    expect(rep.classification.accuracy).toBeCloseTo(expected.correct / expected.feedback, 12);
    expect(rep.coverage.batches).toBe(expected.batches);
    expect(rep.backends.wasm + rep.backends.webgl).toBe(expected.predictions);
  }
  // Replicas count what they stored in /metrics; together they match the database.
  let metricSum = 0;
  for (const r of replicas) {
    const text = await (await fetch(`${r.url}/metrics`)).text();
    for (const m of text.matchAll(/^inferscope_predictions_total\{[^}]*model="race"[^}]*\} (\S+)$/gm)) metricSum += Number(m[1]);
  }
  expect(metricSum).toBe(expected.predictions);
  expect(ADMIN).toBeTruthy();
}
