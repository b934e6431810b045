// The origin's storage quota refused a version (rare: loaded lazily). Least-recently-used
// versions are evicted one at a time and the write retried after each, so only as much goes as
// the new version needs. A version that does not fit even then must not cost anything else:
// each victim is read (record and bytes) before it is deleted, and written back if the new
// version still fails. Deleting in the write's own transaction would not help: Chromium checks
// the quota without crediting the transaction's deletes (seen with Storage.overrideQuotaForOrigin,
// Chromium 156).
// The store's functions come in as `ops`: importing them here would make the bundler split
// store.ts into a chunk of its own, which every page would then pay for.
import type { DeliveryDb } from './db.js';
import type { listModels, readModel } from './store.js';
import type { deleteModels, writeModel } from './store-writes.js';
import type { ModelRecord } from './types.js';

export interface RoomOps {
  listModels: typeof listModels; readModel: typeof readModel; deleteModels: typeof deleteModels; writeModel: typeof writeModel;
  isQuotaError(err: unknown): boolean;
}

/**
 * `stored`: the version is in. `gone`: the versions that had to go for it, or could not be put
 * back (and incomplete ones, which could not load anyway). `error`: an unexpected failure.
 */
export async function makeRoom(db: DeliveryDb, record: ModelRecord, data: Map<string, ArrayBuffer>, { listModels, readModel, deleteModels, writeModel, isQuotaError }: RoomOps): Promise<{ stored: boolean; gone: ModelRecord[]; error?: unknown }> {
  const lru = (await listModels(db)).filter((r) => r.key !== record.key).sort((a, b) => a.lastUsed - b.lastUsed);
  const held: { record: ModelRecord; data: Map<string, ArrayBuffer> }[] = [];
  const gone: ModelRecord[] = [];
  let error: unknown;
  try {
    for (const victim of lru) {
      const copy = await readModel(db, victim.key);
      await deleteModels(db, [victim.key]);
      if (copy) held.push(copy); else gone.push(victim);
      // Chromium (non-persistent contexts) refuses a write issued right after the delete's commit
      // as if the bytes were still there; asking the quota manager for an estimate first lets it
      // catch up (the figures themselves are not used: see save.ts).
      await (globalThis.navigator as Navigator | undefined)?.storage?.estimate?.().catch(() => {});
      try {
        await writeModel(db, record, data);
        return { stored: true, gone: [...gone, ...held.map((h) => h.record)] };
      } catch (err) {
        if (!isQuotaError(err)) throw err;
      }
    }
  } catch (err) {
    error = err;
  }
  // Most recently used first, in case less fits back than was there.
  for (const h of held.reverse()) await writeModel(db, h.record, h.data).catch(() => gone.push(h.record));
  return { stored: false, gone, error };
}
