// Storing and removing whole versions: the write side of store.ts, in the lazy chunk that
// save.ts and remove.ts load (only a network load or a removal writes). Each is one IndexedDB
// transaction: a model record is put with its files, and deleted with the files no other
// record references, so a half-cached model can never be read back.
import type { DeliveryDb } from './db.js';
import type { FileRecord, ModelRecord } from './types.js';

/** Puts the files it lacks and then the record, in one transaction. Rejects on quota. */
export async function writeModel(db: DeliveryDb, record: ModelRecord, data: Map<string, ArrayBuffer>): Promise<void> {
  const tx = db.transaction(['files', 'models'], 'readwrite');
  const files = tx.objectStore('files');
  const done = tx.done;
  try {
    for (const f of record.files) {
      if (await files.getKey(f.sha256)) continue;
      const bytes = data.get(f.sha256);
      if (!bytes) throw new Error(`writeModel: no bytes for ${f.path}`);
      await files.put({ sha256: f.sha256, bytes: f.bytes, data: bytes } satisfies FileRecord);
    }
    await tx.objectStore('models').put(record);
  } catch (err) {
    try { tx.abort(); } catch { /* already aborted by the failed request */ }
    await done.catch(() => {});
    throw err;
  }
  await done;
}

/** Deletes records and every file no remaining record references, in one transaction. */
export async function deleteModels(db: DeliveryDb, keys: string[]): Promise<ModelRecord[]> {
  if (!keys.length) return [];
  const tx = db.transaction(['files', 'models'], 'readwrite');
  const models = tx.objectStore('models');
  const all = await models.getAll();
  const gone = all.filter((r) => keys.includes(r.key));
  const still = new Set(all.filter((r) => !keys.includes(r.key)).flatMap((r) => r.files.map((f) => f.sha256)));
  for (const r of gone) {
    await models.delete(r.key);
    for (const f of r.files) if (!still.has(f.sha256)) await tx.objectStore('files').delete(f.sha256);
  }
  await tx.done;
  return gone;
}
