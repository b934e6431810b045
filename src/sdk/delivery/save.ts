// Storing a verified version under the cache's own byte limit and the origin's storage quota.
// The byte limit is planned from our own records. The quota is not planned: Chromium's
// navigator.storage.estimate() reports quota as usage + about 10 GiB even under a real origin
// quota (CDP Storage.overrideQuotaForOrigin shows it), so the only truth is the
// QuotaExceededError a write gets; make-room.ts, loaded only then, handles that.
// A lazy chunk (delivery.ts requests it when a download starts): a warm load stores nothing.
import type { DeliveryDb } from './db.js';
import type { ManifestFile } from '../../protocol/manifest-types.js';
import { listModels, readModel } from './store.js';
import { deleteModels, writeModel } from './store-writes.js';
import type { DeliveryEvent, ModelRecord } from './types.js';

// Delivery imports this one module for every cache write, so removal rides in the same chunk: one
// request, and one brotli context (three chunks were 300 B more on a first visit).
export { removeVersions } from './remove.js';

const isQuotaError = (err: unknown) =>
  (err as DOMException)?.name === 'QuotaExceededError' || (err as DOMException)?.code === 22;

/**
 * Writes `record`, LRU-evicting others to fit `maxBytes`, and on the origin's quota as far as
 * the version needs and no further. Resolves false (and says why through onEvent) when the
 * version can only run from memory. Never throws.
 */
export async function saveModel(
  db: DeliveryDb,
  record: ModelRecord,
  data: Map<string, ArrayBuffer>,
  { maxBytes, onEvent, onEvicted }: { maxBytes: number; onEvent: (e: DeliveryEvent) => void; onEvicted: (n: number) => void },
): Promise<boolean> {
  const evicted = (gone: ModelRecord[], reason: 'lru' | 'quota') => {
    for (const r of gone) onEvent({ type: 'evicted', id: r.id, version: r.version, bytes: r.bytes, reason });
    if (gone.length) onEvicted(gone.length);
  };
  const unavailable = (reason: string, code?: 'QUOTA_EXCEEDED') => {
    onEvent(code ? { type: 'cache-unavailable', reason, code } : { type: 'cache-unavailable', reason });
    return false;
  };
  const what = `${record.key} (${record.bytes} bytes)`;
  try {
    const plan = planEviction(await listModels(db), record.files, maxBytes, new Set([record.key]));
    if (!plan.fits) return unavailable(`${what} is larger than cache.maxBytes ${maxBytes}; running from memory`);
    evicted(await deleteModels(db, plan.evict.map((r) => r.key)), 'lru');
    try {
      await writeModel(db, record, data);
    } catch (err) {
      if (!isQuotaError(err)) throw err;
      const room = await (await import('./make-room.js')).makeRoom(db, record, data, { listModels, readModel, deleteModels, writeModel, isQuotaError });
      evicted(room.gone, 'quota');
      if (room.error) throw room.error;
      if (!room.stored) return unavailable(`the storage quota has no room for ${what} even with older versions evicted; running from memory, the cache kept as it was`, 'QUOTA_EXCEEDED');
    }
    onEvent({ type: 'cache-stored', id: record.id, version: record.version, bytes: record.bytes });
    return true;
  } catch (err) {
    return unavailable(`storing ${record.key} failed: ${(err as Error)?.message ?? err}; running from memory`);
  }
}

/** Bytes on disk: every distinct file once. */
export function usedBytes(records: Iterable<{ files: ManifestFile[] }>, extra: ManifestFile[] = []): number {
  const sizes = new Map<string, number>();
  for (const r of records) for (const f of r.files) sizes.set(f.sha256, f.bytes);
  for (const f of extra) sizes.set(f.sha256, f.bytes);
  let n = 0;
  for (const b of sizes.values()) n += b;
  return n;
}

/**
 * Least-recently-used records to drop so that what stays plus `incoming` fits in `limit` bytes.
 * `protect` (the version in use or being installed) is never chosen. `fits` is false when even
 * dropping everything else would not make room.
 */
export function planEviction(records: ModelRecord[], incoming: ManifestFile[], limit: number, protect: Set<string>) {
  const keep = new Map(records.map((r) => [r.key, r]));
  const lru = records.filter((r) => !protect.has(r.key)).sort((a, b) => a.lastUsed - b.lastUsed);
  const evict: ModelRecord[] = [];
  while (usedBytes(keep.values(), incoming) > limit && lru.length) {
    const r = lru.shift()!;
    keep.delete(r.key);
    evict.push(r);
  }
  return { evict, fits: usedBytes(keep.values(), incoming) <= limit };
}
