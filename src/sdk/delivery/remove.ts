// Removing cached versions (client.evict(), and the cleanup after a new version installs). A lazy
// chunk with the store's write side: a warm load removes nothing.
import type { DeliveryDb } from './db.js';
import { listModels } from './store.js';
import { deleteModels } from './store-writes.js';
import type { DeliveryEvent } from './types.js';

/** Deletes the cached versions of `id` that `pick` names, with an `evicted` event each; resolves how many. */
export async function removeVersions(d: DeliveryDb, id: string, pick: (version: string) => boolean, reason: 'replaced' | 'manual', emit: (e: DeliveryEvent) => void): Promise<number> {
  const gone = await deleteModels(d, (await listModels(d)).filter((r) => r.id === id && pick(r.version)).map((r) => r.key));
  for (const r of gone) emit({ type: 'evicted', id: r.id, version: r.version, bytes: r.bytes, reason });
  return gone.length;
}
