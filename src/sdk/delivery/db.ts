// The delivery database: content-addressed files, model records, meta. Opened through `idb` on
// an injectable IDBFactory (fake-indexeddb in Node, with or without its IDB* globals). Opening
// never throws: no IndexedDB (Node, some private modes) or a failed/blocked open is `null`, and the
// caller runs from the network.
import { wrap, type DBSchema, type IDBPDatabase } from 'idb';
import type { FileRecord, ModelRecord } from './types.js';

export interface DeliverySchema extends DBSchema {
  /** Keyed by SHA-256: a shard two versions share is stored once. */
  files: { key: string; value: FileRecord };
  /** Keyed by `${id}@${version}`; metadata only, so a version check never reads weights. */
  models: { key: string; value: ModelRecord; indexes: { lastUsed: number } };
  /** installId, last good manifests, direct-URL ETags. */
  meta: { key: string; value: unknown };
}

export type DeliveryDb = IDBPDatabase<DeliverySchema>;

export const DB_NAME = 'inferscope-delivery';
const DB_VERSION = 1;

/** Opens (and creates) the delivery database; resolves null with a reason when it can't. */
export async function openDeliveryDb(
  factory: IDBFactory | undefined = globalThis.indexedDB,
  { timeoutMs = 5000 } = {},
): Promise<{ db: DeliveryDb | null; reason?: string }> {
  if (!factory) return { db: null, reason: 'IndexedDB is not available here' };
  let request: IDBOpenDBRequest;
  try {
    // Node with an injected factory: idb needs the IDB* classes as globals (idb-globals.ts).
    if (typeof IDBRequest == 'undefined') await (await import('./idb-globals.js')).defineIdbGlobals(factory);
    request = factory.open(DB_NAME, DB_VERSION);
  } catch (err) {
    return { db: null, reason: `IndexedDB open threw: ${(err as Error).message}` };
  }
  request.onupgradeneeded = () => {
    const db = request.result;
    if (!db.objectStoreNames.contains('files')) db.createObjectStore('files', { keyPath: 'sha256' });
    if (!db.objectStoreNames.contains('models')) {
      db.createObjectStore('models', { keyPath: 'key' }).createIndex('lastUsed', 'lastUsed');
    }
    if (!db.objectStoreNames.contains('meta')) db.createObjectStore('meta');
  };
  // An older connection in another tab that never closes would hang open() forever.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`IndexedDB open blocked for ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const db = (await Promise.race([wrap(request), timeout])) as unknown as DeliveryDb;
    // Let a newer schema in another tab upgrade instead of being blocked by us.
    db.addEventListener('versionchange', () => db.close());
    return { db };
  } catch (err) {
    return { db: null, reason: `IndexedDB unavailable: ${(err as Error)?.message ?? String(err)}` };
  } finally {
    clearTimeout(timer);
  }
}
