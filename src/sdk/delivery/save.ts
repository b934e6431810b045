// Storing a verified version under the cache's byte limit and the origin's quota.
import type { DeliveryDb } from './db.js';
import { deleteModels, listModels, planEviction, usedBytes, writeModel } from './store.js';
import type { DeliveryEvent, ModelRecord } from './types.js';

const isQuotaError = (err: unknown) =>
  (err as DOMException)?.name === 'QuotaExceededError' || (err as DOMException)?.code === 22;

/** Origin storage left, per navigator.storage.estimate(); Infinity where unknown. */
async function freeBytes(): Promise<number> {
  try {
    const est = await (globalThis.navigator as Navigator | undefined)?.storage?.estimate?.();
    return est?.quota != null && est.usage != null ? est.quota - est.usage : Infinity;
  } catch {
    return Infinity;
  }
}

/**
 * Writes `record` (LRU-evicting others to fit `maxBytes` and the storage estimate). On
 * QuotaExceededError evicts every other version and retries once. Resolves false (and says why
 * through onEvent) when the version can only run from memory. Never throws.
 */
export async function saveModel(
  db: DeliveryDb,
  record: ModelRecord,
  data: Map<string, ArrayBuffer>,
  { maxBytes, onEvent, onEvicted }: { maxBytes: number; onEvent: (e: DeliveryEvent) => void; onEvicted: (n: number) => void },
): Promise<boolean> {
  const evict = async (victims: ModelRecord[], reason: 'lru' | 'quota') => {
    const gone = await deleteModels(db, victims.map((r) => r.key));
    for (const r of gone) onEvent({ type: 'evicted', id: r.id, version: r.version, bytes: r.bytes, reason });
    if (gone.length) onEvicted(gone.length);
  };
  const unavailable = (reason: string) => {
    onEvent({ type: 'cache-unavailable', reason });
    return false;
  };
  try {
    const records = await listModels(db);
    const ours = usedBytes(records);
    const needed = usedBytes(records, record.files) - ours;
    const limit = Math.min(maxBytes, ours + (await freeBytes()));
    const plan = planEviction(records, record.files, limit, new Set([record.key]));
    if (!plan.fits) {
      return unavailable(`${record.key} needs ${needed} more bytes; cache limit ${maxBytes}, origin storage left allows ${limit - ours}; running from memory`);
    }
    await evict(plan.evict, 'lru');
    try {
      await writeModel(db, record, data);
    } catch (err) {
      if (!isQuotaError(err)) throw err;
      await evict((await listModels(db)).filter((r) => r.key !== record.key), 'quota');
      try {
        await writeModel(db, record, data);
      } catch (err2) {
        if (!isQuotaError(err2)) throw err2;
        return unavailable(`storage quota exceeded storing ${record.key} even after evicting other versions; running from memory`);
      }
    }
    onEvent({ type: 'cache-stored', id: record.id, version: record.version, bytes: record.bytes });
    return true;
  } catch (err) {
    return unavailable(`storing ${record.key} failed: ${(err as Error)?.message ?? err}; running from memory`);
  }
}
