// Three collector processes share one real PostgreSQL. Concurrent batches for the same
// (model, version, backend, minute) rows, plus replays sent to different replicas, must
// add up exactly: no lost update, no double count.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type TestPostgres } from '../support/postgres.js';
import { ADMIN, KEY_SHOP, admin, latencySketch, makeBatch, modelAggregate, testConfig } from './helpers.js';
import { spawnCollector, type CollectorProcess } from './spawn.js';

let pg: TestPostgres;
let replicas: CollectorProcess[] = [];
let dir: string;

beforeAll(async () => {
  pg = await startPostgres();
  dir = mkdtempSync(join(tmpdir(), 'inferscope-replicas-'));
  const cfg = join(dir, 'collector.json');
  writeFileSync(cfg, JSON.stringify(testConfig({ apps: [{ id: 'shop', keys: [KEY_SHOP], origins: ['*'], rateLimit: { max: 100_000, windowSeconds: 60 } }] })));
  // Started together: they race on the migrations, which an advisory lock serializes.
  replicas = await Promise.all([0, 1, 2].map(() => spawnCollector(['--postgres', pg.url, '--config', cfg, '--port', '0'])));
});

afterAll(async () => {
  await Promise.all(replicas.map((r) => r.kill()));
  await pg?.stop();
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
    };
    // Any replica answers the same report: the state is in the database.
    for (const r of replicas) {
      const rep = await (await admin(`${r.url}/v1/models/race/report`)).json();
      expect(rep.predictions).toBe(expected.predictions);
      expect(rep.latencyMs.count).toBe(expected.predictions);
      expect(rep.errors).toBe(expected.errors);
      expect(rep.classification.n).toBe(expected.feedback);
      expect(rep.classification.accuracy).toBeCloseTo(expected.correct / expected.feedback, 12);
      expect(rep.coverage.batches).toBe(batches.length);
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
  });
});
