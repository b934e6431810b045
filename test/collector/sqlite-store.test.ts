// The SQLite store keeps recent rows parsed in memory and merges each group into them
// (store/sqlite.ts). Totals must stay exact where that memory could be stale: two store
// instances on one file (another process writing it between our groups), replays, and a
// retention prune that deletes a row the memory still holds (a late batch for that minute
// must start the row again, not update a row that no longer exists).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { batchToDeltas, MINUTE } from '../../src/collector/aggregate.js';
import { openSqliteStore } from '../../src/collector/store/sqlite.js';
import type { IngestItem } from '../../src/collector/store/types.js';
import { validateBatch } from '../../src/protocol/wire.js';
import { batchId, latencySketch, makeBatch, modelAggregate, storeTotals } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'inferscope-sqlite-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Every batch of a run lands in one minute, an hour ago, so a prune can delete it.
const MINUTE_AT = Math.floor((Date.now() - 3600_000) / MINUTE) * MINUTE;

function item(model: string, predictions: number): IngestItem {
  const end = MINUTE_AT + 30_000;
  const b = makeBatch({ window: { start: end - 10_000, end }, models: [modelAggregate({ model, predictions, latency: latencySketch(Array.from({ length: predictions }, (_, i) => 1 + i)) })], loads: [] });
  const v = validateBatch(JSON.parse(JSON.stringify(b)));
  if (!v.ok) throw new Error(v.message);
  return { app: 'shop', batchId: batchId(), receivedAt: end, deltas: batchToDeltas('shop', v.batch, Date.now()) };
}

let run = 0;
describe('SQLite store: rows kept in memory between groups', () => {
  it('keeps exact totals with two writers on one file, replays and prunes', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 2, maxLength: 8 }),
      // Each step: a group (indexes into the batches; repeats are replays) for one of the two
      // stores, or a prune of everything before now (the whole minute) by one of them.
      fc.array(fc.oneof(
        fc.record({ store: fc.integer({ min: 0, max: 1 }), picks: fc.uniqueArray(fc.nat(7), { minLength: 1, maxLength: 5 }) }),
        fc.record({ store: fc.integer({ min: 0, max: 1 }), prune: fc.constant(true) }),
      ), { minLength: 1, maxLength: 12 }),
      async (sizes, steps) => {
        const file = join(dir, `run-${run++}.sqlite`);
        const stores = [openSqliteStore({ file }), openSqliteStore({ file })];
        try {
          const model = 'digits';
          const items = sizes.map((n) => item(model, n));
          // What the file must hold: batches counted since the last prune. A pruned batch id
          // is forgotten too (the batch-id table shares the cut-off), so it may count again.
          let live = new Map<string, IngestItem>();
          for (const step of steps) {
            const store = stores[step.store]!;
            if ('prune' in step) {
              await store.prune(Date.now());
              live = new Map();
              continue;
            }
            const group = step.picks.map((p) => items[p % items.length]!).filter((it, i, all) => all.indexOf(it) === i);
            const fresh = await store.ingest(group);
            group.forEach((it, i) => {
              expect(fresh[i]).toBe(!live.has(it.batchId));
              if (fresh[i]) live.set(it.batchId, it);
            });
          }
          const want = { predictions: 0, batches: live.size, latency: 0 };
          for (const it of live.values()) {
            const n = it.deltas.find((d) => d.key.version !== '')!.state.predictions;
            want.predictions += n;
            want.latency += n;
          }
          // Each store reads the file, not its memory.
          for (const s of stores) expect(await storeTotals(s, model)).toEqual(want);
        } finally {
          await Promise.all(stores.map((s) => s.close()));
        }
      },
    ), { numRuns: 60 });
  }, 120_000);
});
