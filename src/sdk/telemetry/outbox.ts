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
  /** Batches lost to the outbox bounds, plus the drops those batches carried. */
  dropped: number;
  /** Queue drops carried by evicted batches (they would otherwise go unreported). */
  droppedQueue?: number;
  /** Earliest time the next send may happen (backoff or Retry-After), across reloads and tabs. */
  notBefore: number;
  /** The part of that wait a server asked for (Retry-After): coming back online does not cut it. */
  retryAfter?: number;
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

/** Times (ms since epoch) before which nothing is sent; 0: no wait. */
export interface Wait {
  notBefore: number;
  retryAfter: number;
}

export interface Outbox {
  readonly persistent: boolean;
  put(item: OutboxItem): Promise<void>;
  /** Oldest first. */
  list(): Promise<OutboxItem[]>;
  delete(id: string): Promise<void>;
  /** Drops counted since the last call (reset to 0). */
  takeDropped(): Promise<{ queue: number; outbox: number }>;
  /** The shared wait, after applying `edit` to it in one transaction (so tabs never lose an update). */
  wait(edit?: (w: Wait) => void): Promise<Wait>;
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

/**
 * What evicting these batches loses: each batch itself (an outbox drop) plus the drop
 * counts it was carrying to the collector, so the next batch reports the whole loss.
 */
export function lostWith(items: OutboxItem[]): { queue: number; outbox: number } {
  let queue = 0;
  let outbox = items.length;
  for (const i of items) {
    try {
      const d = (JSON.parse(i.body) as { dropped?: { queue?: number; outbox?: number } }).dropped;
      queue += d?.queue ?? 0;
      outbox += d?.outbox ?? 0;
    } catch {
      // not our JSON: count the batch only
    }
  }
  return { queue, outbox };
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
  // An injected factory alone (Node, edge runtimes) comes without the IDB* classes idb looks up as
  // globals: without them openDB failed and the outbox fell back to memory without a word, so
  // failed sends were lost with the page. The cache's db.ts does the same.
  if (typeof IDBRequest == 'undefined') await (await import('../delivery/idb-globals.js')).defineIdbGlobals(factory);
  // idb's openDB reads the global indexedDB; pass the factory through a scoped shim
  // only for this call so an injected factory (fake-indexeddb in Node) is used.
  const db: IDBPDatabase<OutboxDB> = await withFactory(factory, () => openDB<OutboxDB>(opts.dbName, 1, {
    upgrade(d) {
      d.createObjectStore('outbox', { keyPath: 'id' }).createIndex('at', 'at');
      d.createObjectStore('meta', { keyPath: 'key' });
    },
  }));
  const fresh = (): Meta => ({ key: 'state', dropped: 0, notBefore: 0 });
  // Every read-modify-write of the meta record runs inside one readwrite transaction:
  // IndexedDB serializes those, so concurrent puts and backoff updates never lose counts.
  const update = async <T>(fn: (m: Meta) => T): Promise<T> => {
    const tx = db.transaction('meta', 'readwrite');
    const m = (await tx.store.get('state')) ?? fresh();
    const out = fn(m);
    await tx.store.put(m);
    await tx.done;
    return out;
  };
  return {
    persistent: true,
    async put(item) {
      const tx = db.transaction(['outbox', 'meta'], 'readwrite');
      const store = tx.objectStore('outbox');
      await store.put(item);
      const evict = overflow(await store.getAll(), opts, now());
      if (evict.length) {
        for (const e of evict) await store.delete(e.id);
        const m = (await tx.objectStore('meta').get('state')) ?? fresh();
        const lost = lostWith(evict);
        m.dropped += lost.outbox;
        m.droppedQueue = (m.droppedQueue ?? 0) + lost.queue;
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
    takeDropped: () => update((m) => {
      const d = { queue: m.droppedQueue ?? 0, outbox: m.dropped };
      m.dropped = 0;
      m.droppedQueue = 0;
      return d;
    }),
    async wait(edit) {
      if (!edit) {
        // A plain read (before every send) needs no readwrite transaction.
        const m = await db.get('meta', 'state');
        return { notBefore: m?.notBefore ?? 0, retryAfter: m?.retryAfter ?? 0 };
      }
      return update((m) => {
        const w = { notBefore: m.notBefore, retryAfter: m.retryAfter ?? 0 };
        edit(w);
        m.notBefore = w.notBefore;
        m.retryAfter = w.retryAfter;
        return w;
      });
    },
    close() {
      db.close();
    },
  };
}

function memoryOutbox(opts: OutboxOptions, now: () => number): Outbox {
  let items: OutboxItem[] = [];
  let dropped = { queue: 0, outbox: 0 };
  const w: Wait = { notBefore: 0, retryAfter: 0 };
  return {
    persistent: false,
    async put(item) {
      items = items.filter((i) => i.id !== item.id).concat(item);
      const evicted = overflow(items, opts, now());
      if (evicted.length) {
        const lost = lostWith(evicted);
        dropped = { queue: dropped.queue + lost.queue, outbox: dropped.outbox + lost.outbox };
        items = items.filter((i) => !evicted.includes(i));
      }
    },
    async list() {
      return [...items].sort((a, b) => a.at - b.at);
    },
    async delete(id) {
      items = items.filter((i) => i.id !== id);
    },
    async takeDropped() {
      const d = dropped;
      dropped = { queue: 0, outbox: 0 };
      return d;
    },
    async wait(edit) { edit?.(w); return { ...w }; },
    close() {},
  };
}

// idb 8 calls the global `indexedDB.open` synchronously inside openDB(); expose the
// chosen factory for that one synchronous call only. (idb also needs the IDB* classes
// as globals: idbOutbox defines them from the factory where they are missing.)
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
