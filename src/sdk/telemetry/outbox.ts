// Where batches wait after a failed send: IndexedDB (survives reloads and
// browser restarts) when the runtime has it, else memory. Bounded by count and
// bytes; the oldest batches go first and are counted, and that count is itself
// persisted so the next batch can report it even after a reload.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

export interface OutboxItem {
  /** The batch id (reused on every retry, so the collector deduplicates). */
  id: string;
  body: string;
  at: number;
}

interface Meta {
  key: 'state';
  dropped: number;
  /** Earliest time the next retry may happen (backoff / Retry-After), across reloads. */
  notBefore: number;
}

interface OutboxDB extends DBSchema {
  outbox: { key: string; value: OutboxItem; indexes: { at: number } };
  meta: { key: string; value: Meta };
}

export interface OutboxOptions {
  idbFactory?: IDBFactory;
  /** Database name; one per collector endpoint + app key so two clients never mix. */
  dbName: string;
  /** Most batches kept. Default 200. */
  maxBatches?: number;
  /** Most bytes (JSON characters) kept. Default 1 MiB. */
  maxBytes?: number;
  /** Batches older than this are dropped (counted). Default 7 days. */
  maxAgeMs?: number;
}

export interface Outbox {
  readonly persistent: boolean;
  put(item: OutboxItem): Promise<void>;
  /** Oldest first. */
  list(): Promise<OutboxItem[]>;
  delete(id: string): Promise<void>;
  /** Drops counted since the last call (reset to 0). */
  takeDropped(): Promise<number>;
  getNotBefore(): Promise<number>;
  setNotBefore(t: number): Promise<void>;
  close(): void;
}

export async function openOutbox(opts: OutboxOptions, now: () => number = Date.now): Promise<Outbox> {
  const factory = opts.idbFactory ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (factory) {
    try {
      return await idbOutbox(factory, opts, now);
    } catch {
      // Private modes and some embedded webviews refuse IndexedDB: degrade to memory.
    }
  }
  return memoryOutbox(opts, now);
}

/** Which items to evict so the rest fits the bounds (oldest first). */
function overflow(items: OutboxItem[], { maxBatches = 200, maxBytes = 1 << 20, maxAgeMs = 7 * 86_400_000 }: OutboxOptions, t: number): OutboxItem[] {
  const sorted = [...items].sort((a, b) => a.at - b.at);
  let bytes = sorted.reduce((s, i) => s + i.body.length, 0);
  const out: OutboxItem[] = [];
  for (const item of sorted) {
    if (sorted.length - out.length <= maxBatches && bytes <= maxBytes && t - item.at <= maxAgeMs) continue;
    out.push(item);
    bytes -= item.body.length;
  }
  return out;
}

async function idbOutbox(factory: IDBFactory, opts: OutboxOptions, now: () => number): Promise<Outbox> {
  // idb's openDB reads the global indexedDB; pass the factory through a scoped shim
  // only for this call so an injected factory (fake-indexeddb in Node) is used.
  const db: IDBPDatabase<OutboxDB> = await withFactory(factory, () => openDB<OutboxDB>(opts.dbName, 1, {
    upgrade(d) {
      d.createObjectStore('outbox', { keyPath: 'id' }).createIndex('at', 'at');
      d.createObjectStore('meta', { keyPath: 'key' });
    },
  }));
  const meta = async (): Promise<Meta> => (await db.get('meta', 'state')) ?? { key: 'state', dropped: 0, notBefore: 0 };
  return {
    persistent: true,
    async put(item) {
      const tx = db.transaction(['outbox', 'meta'], 'readwrite');
      const store = tx.objectStore('outbox');
      await store.put(item);
      const evict = overflow(await store.getAll(), opts, now());
      if (evict.length) {
        for (const e of evict) await store.delete(e.id);
        const m = (await tx.objectStore('meta').get('state')) ?? { key: 'state' as const, dropped: 0, notBefore: 0 };
        m.dropped += evict.length;
        await tx.objectStore('meta').put(m);
      }
      await tx.done;
    },
    async list() {
      return db.getAllFromIndex('outbox', 'at');
    },
    async delete(id) {
      await db.delete('outbox', id);
    },
    async takeDropped() {
      const m = await meta();
      if (m.dropped === 0) return 0;
      await db.put('meta', { ...m, dropped: 0 });
      return m.dropped;
    },
    async getNotBefore() {
      return (await meta()).notBefore;
    },
    async setNotBefore(t) {
      await db.put('meta', { ...(await meta()), notBefore: t });
    },
    close() {
      db.close();
    },
  };
}

function memoryOutbox(opts: OutboxOptions, now: () => number): Outbox {
  let items: OutboxItem[] = [];
  let dropped = 0;
  let notBefore = 0;
  return {
    persistent: false,
    async put(item) {
      items = items.filter((i) => i.id !== item.id).concat(item);
      const evict = new Set(overflow(items, opts, now()));
      dropped += evict.size;
      if (evict.size) items = items.filter((i) => !evict.has(i));
    },
    async list() {
      return [...items].sort((a, b) => a.at - b.at);
    },
    async delete(id) {
      items = items.filter((i) => i.id !== id);
    },
    async takeDropped() {
      const d = dropped;
      dropped = 0;
      return d;
    },
    async getNotBefore() { return notBefore; },
    async setNotBefore(t) { notBefore = t; },
    close() {},
  };
}

// idb 8 calls the global `indexedDB.open` synchronously inside openDB(); expose the
// chosen factory for that one synchronous call only. (idb also needs the IDB* classes
// as globals: in Node, import 'fake-indexeddb/auto' or pass its classes' factory.)
function withFactory<T>(factory: IDBFactory, fn: () => T): T {
  const g = globalThis as { indexedDB?: IDBFactory };
  if (g.indexedDB === factory) return fn();
  const desc = Object.getOwnPropertyDescriptor(g, 'indexedDB');
  Object.defineProperty(g, 'indexedDB', { value: factory, configurable: true, writable: true });
  try {
    return fn();
  } finally {
    if (desc) Object.defineProperty(g, 'indexedDB', desc);
    else delete g.indexedDB;
  }
}
