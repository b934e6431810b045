// Cache operations over the delivery database that every load may need: reads, the LRU touch,
// dropping files that failed their hash, meta. Storing and removing versions (store-writes.ts)
// is a lazy chunk: a warm load never writes. Every write that must be all-or-nothing is one
// IndexedDB transaction: a model record is put in the same transaction as its files, so a
// half-cached model can never be read back.
import type { ManifestFile } from '../../protocol/manifest-types.js';
import type { DeliveryDb } from './db.js';
import { sha256Hex } from './sha256.js';
import type { ModelRecord } from './types.js';

export interface CacheRead { record: ModelRecord; data: Map<string, ArrayBuffer>; digests: Map<string, Promise<string | null>> }

export const modelKey = (id: string, version: string) => `${id}@${version}`;

/**
 * A record and its files' bytes by SHA-256; null when the record or any file is missing. One
 * transaction, and with `expected` (the manifest's file list) the record and every file are
 * requested at once: one round trip to the storage process instead of one per file. `hash`:
 * each file's SHA-256 starts the moment its bytes arrive (`digests`; the warm path checks them).
 */
export async function readModel(db: DeliveryDb, key: string, expected?: readonly ManifestFile[], hash?: boolean): Promise<CacheRead | null> {
  const tx = db.transaction(['models', 'files'], 'readonly');
  const files = tx.objectStore('files');
  const digests = new Map<string, Promise<string | null>>();
  const get = (list: readonly ManifestFile[]) => Promise.all(list.map((f) => files.get(f.sha256).then((r) => {
    // A digest that fails ('' matches no SHA-256) is a failed check.
    if (r && hash) digests.set(f.sha256, sha256Hex(r.data).catch(() => ''));
    return r;
  })));
  const early = expected ? get(expected) : null;
  early?.catch(() => {}); // rejections surface through the await below
  const record = await tx.objectStore('models').get(key);
  if (!record) { await early?.catch(() => {}); return null; }
  // The record names what it was stored with; a manifest that differs (it should not for one
  // version) means re-reading by the record's own list.
  const same = expected && expected.length === record.files.length && expected.every((f, i) => f.sha256 === record.files[i]!.sha256);
  const recs = same ? await early! : (await early?.catch(() => {}), await get(record.files));
  const data = new Map<string, ArrayBuffer>();
  for (let i = 0; i < recs.length; i++) {
    const rec = recs[i];
    if (!rec) return null;
    data.set(record.files[i]!.sha256, rec.data);
  }
  return { record, data, digests };
}

/** Metadata of every cached version (reads no weights). */
export const listModels = (db: DeliveryDb) => db.getAll('models');

/** Which of these SHA-256s are stored already (a shard another version shares). */
export async function storedFiles(db: DeliveryDb, shas: string[]): Promise<Map<string, ArrayBuffer>> {
  const tx = db.transaction('files', 'readonly');
  const out = new Map<string, ArrayBuffer>();
  for (const sha of shas) {
    const rec = await tx.store.get(sha);
    if (rec) out.set(sha, rec.data);
  }
  return out;
}

/** Deletes file records (bytes that failed their hash); the versions naming them read as incomplete until re-fetched. */
export async function deleteFiles(db: DeliveryDb, shas: string[]): Promise<void> {
  const tx = db.transaction('files', 'readwrite');
  for (const sha of shas) void tx.store.delete(sha);
  await tx.done;
}

export async function touchModel(db: DeliveryDb, key: string, now = Date.now()): Promise<void> {
  // Only LRU order depends on it: no need to wait for the disk flush.
  const tx = db.transaction('models', 'readwrite', { durability: 'relaxed' });
  const r = await tx.store.get(key);
  if (r) await tx.store.put({ ...r, lastUsed: now });
  await tx.done;
}

export async function getMeta<T>(db: DeliveryDb, key: string): Promise<T | undefined> {
  return (await db.get('meta', key)) as T | undefined;
}
export async function setMeta(db: DeliveryDb, key: string, value: unknown): Promise<void> {
  await db.put('meta', value, key);
}
