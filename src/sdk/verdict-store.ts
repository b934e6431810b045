// Remembers which backend won 'fastest' for a model version on this device, so the next load
// skips the timing. IndexedDB through idb where available, else a Map (memory only).
import { openDB, type DBSchema } from 'idb';
import type { BackendName } from '../protocol/wire-types.js';

export interface Verdict { backend: BackendName; timings: Partial<Record<BackendName, number>>; at: number }

export interface VerdictStore {
  get(key: string): Promise<Verdict | undefined>;
  put(key: string, v: Verdict): Promise<void>;
  close(): void;
}

interface Schema extends DBSchema { verdicts: { key: string; value: Verdict } }

const DB_NAME = 'inferscope-backend-verdicts';

export function memoryVerdictStore(): VerdictStore {
  const map = new Map<string, Verdict>();
  return { async get(k) { return map.get(k); }, async put(k, v) { map.set(k, v); }, close() {} };
}

/** IndexedDB-backed store; degrades to memory if IndexedDB is missing or refuses (private mode). */
export function createVerdictStore(idbFactory: IDBFactory | false | undefined): VerdictStore {
  const memory = memoryVerdictStore();
  const factory = idbFactory === false ? undefined : idbFactory ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!factory) return memory;
  // idb's openDB uses the global indexedDB; an injected factory (fake-indexeddb in Node) is
  // made visible to it only for the duration of the open call.
  const open = () => {
    const g = globalThis as { indexedDB?: IDBFactory };
    const prev = g.indexedDB;
    g.indexedDB = factory;
    try {
      // openDB calls indexedDB.open synchronously, so the swap is over before anyone else runs.
      return openDB<Schema>(DB_NAME, 1, { upgrade(db) { db.createObjectStore('verdicts'); } });
    } finally {
      g.indexedDB = prev;
    }
  };
  let db: ReturnType<typeof open> | null = null;
  const dbOrNull = () => {
    try { db ??= open(); } catch { db = Promise.reject(new Error('indexedDB.open threw')); }
    return db.catch(() => null);
  };
  return {
    async get(k) {
      const d = await dbOrNull();
      if (!d) return memory.get(k);
      try { return (await d.get('verdicts', k)) ?? (await memory.get(k)); } catch { return memory.get(k); }
    },
    async put(k, v) {
      await memory.put(k, v);
      const d = await dbOrNull();
      try { await d?.put('verdicts', v, k); } catch { /* memory copy is enough */ }
    },
    close() { void db?.then((d) => d.close(), () => undefined); },
  };
}
