// The PostgreSQL store's insert-only ingest, at the store level, on a real PostgreSQL: two
// store instances (two replicas) take generated groups of batches in which some ids were
// already counted (replays, the path that redoes a group in a transaction) while roll-ups
// run every 20 ms. Every batch id is counted exactly once, and the rows add up to the
// unique batches, before and after everything was rolled up. Replays raise no error: the
// server, logging every ERROR here, logs none.
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchToDeltas } from '../../src/collector/aggregate.js';
import { openPostgresStore } from '../../src/collector/store/postgres.js';
import type { IngestItem, Store } from '../../src/collector/store/types.js';
import { validateBatch } from '../../src/protocol/wire.js';
import { startPostgres, type TestPostgres } from '../support/postgres.js';
import { batchId, latencySketch, makeBatch, modelAggregate, storeTotals } from './helpers.js';

let db: TestPostgres;
let replicas: Store[] = [];
let logFrom = 0;
beforeAll(async () => {
  db = await startPostgres({ logErrors: true });
  replicas = await Promise.all([0, 1].map(() => openPostgresStore({ url: db.url, rollupMs: 20 })));
  logFrom = db.log().length;
});
afterAll(async () => {
  await Promise.all(replicas.map((s) => s.close()));
  await db?.stop();
});

function item(model: string, predictions: number): IngestItem {
  const b = makeBatch({ models: [modelAggregate({ model, predictions, latency: latencySketch(Array.from({ length: predictions }, (_, i) => 1 + i)) })], loads: [] });
  const v = validateBatch(JSON.parse(JSON.stringify(b)));
  if (!v.ok) throw new Error(v.message);
  const now = Date.now();
  return { app: 'shop', batchId: batchId(), receivedAt: now, deltas: batchToDeltas('shop', v.batch, now) };
}

let run = 0;
describe('PostgreSQL store: insert-only parts and roll-up', () => {
  it('counts every batch once across replicas, replays and roll-ups', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 2, maxLength: 8 }),
      // Steps: which batches (by index, unique within a step) go to which replica.
      fc.array(fc.record({ replica: fc.integer({ min: 0, max: 1 }), picks: fc.uniqueArray(fc.nat(7), { minLength: 1, maxLength: 5 }) }), { minLength: 1, maxLength: 8 }),
      async (sizes, steps) => {
        const model = `m${run++}`;
        const items = sizes.map((n) => item(model, n));
        const counted = new Map<string, number>();
        // Two steps at a time run concurrently, on their replicas.
        for (let s = 0; s < steps.length; s += 2) {
          await Promise.all(steps.slice(s, s + 2).map(async ({ replica, picks }) => {
            const group = [...new Set(picks.map((p) => p % items.length))].map((i) => items[i]!);
            const fresh = await replicas[replica]!.ingest(group);
            group.forEach((it, i) => { if (fresh[i]) counted.set(it.batchId, (counted.get(it.batchId) ?? 0) + 1); });
          }));
        }
        const sent = new Set(steps.flatMap((s) => s.picks.map((p) => p % items.length)));
        expect([...counted.values()].every((n) => n === 1)).toBe(true);
        // Only what the ingest path logged (start-up probes log FATAL "starting up" lines).
        expect(db.log().slice(logFrom).split('\n').filter((l) => /\bERROR:/.test(l))).toEqual([]);
        expect(counted.size).toBe(sent.size);
        const expected = [...sent].reduce((a, i) => a + sizes[i]!, 0);
        for (const store of replicas) expect(await storeTotals(store, model)).toEqual({ predictions: expected, batches: sent.size, latency: expected });
      },
    ), { numRuns: 25 });
    // Once every part is rolled up, the aggregates alone hold the same totals.
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      for (let t0 = Date.now(); Number((await c.query('SELECT count(*) AS n FROM aggregate_parts')).rows[0].n) > 0;) {
        if (Date.now() - t0 > 60_000) throw new Error('parts were not rolled up within 60 s');
        await new Promise((r) => setTimeout(r, 50));
      }
      const { rows } = await c.query("SELECT state FROM aggregates WHERE model LIKE 'm%' AND version <> ''");
      const fromAggregates = rows.reduce((a, r: { state: string }) => a + (JSON.parse(r.state) as { predictions: number }).predictions, 0);
      let fromReads = 0;
      for (let i = 0; i < run; i++) fromReads += (await storeTotals(replicas[1]!, `m${i}`)).predictions;
      expect(fromAggregates).toBe(fromReads);
      expect(fromReads).toBeGreaterThan(0);
    } finally {
      await c.end();
    }
  });
});
