// Group commit: requests that arrive while a transaction is running wait for the next
// one, so a busy collector commits many batches per fsync and per row lock instead of
// one. A request is answered only after the transaction holding its batch committed
// (accepted = durable). PostgreSQL may run a few groups at once (row locks taken in one
// global order keep them deadlock-free); SQLite runs one, synchronously.
import type { IngestItem, Store } from './store/types.js';

export interface WriterOptions {
  store: Store;
  /** Most batches per transaction. */
  maxGroup?: number;
  /** Transactions in flight at once (default 1 for SQLite, 4 for PostgreSQL). */
  maxInFlight?: number;
}

export interface Writer {
  /** Resolves true when counted now, false for a replay; rejects if the store failed. */
  write(item: IngestItem): Promise<boolean>;
  /** Wait for queued writes, then refuse new ones. */
  close(): Promise<void>;
}

interface Pending { item: IngestItem; resolve(fresh: boolean): void; reject(err: unknown): void }

export function createWriter({ store, maxGroup = 500, maxInFlight = store.kind === 'postgres' ? 2 : 1 }: WriterOptions): Writer {
  let queue: Pending[] = [];
  let inFlight = 0;
  let scheduled = false;
  let closed = false;
  let idle: (() => void) | null = null;

  async function commit(group: Pending[]): Promise<void> {
    // A batch id twice in one group: the first one decides, the rest are replays.
    const seen = new Map<string, Pending[]>();
    const unique: Pending[] = [];
    for (const p of group) {
      const k = `${p.item.app}\u0000${p.item.batchId}`;
      const dup = seen.get(k);
      if (dup) dup.push(p);
      else { seen.set(k, []); unique.push(p); }
    }
    try {
      const fresh = await store.ingest(unique.map((p) => p.item));
      unique.forEach((p, i) => {
        p.resolve(fresh[i]!);
        for (const d of seen.get(`${p.item.app}\u0000${p.item.batchId}`)!) d.resolve(false);
      });
    } catch (err) {
      for (const p of group) p.reject(err);
    }
  }

  function kick(): void {
    if (scheduled || inFlight >= maxInFlight || queue.length === 0) return;
    scheduled = true;
    // setImmediate lets every request parsed in this event-loop turn join the group.
    setImmediate(() => {
      scheduled = false;
      if (queue.length === 0 || inFlight >= maxInFlight) return;
      const group = queue.slice(0, maxGroup);
      queue = queue.slice(group.length);
      inFlight++;
      void commit(group).finally(() => {
        inFlight--;
        if (inFlight === 0 && queue.length === 0) idle?.();
        kick();
      });
      kick();
    });
  }

  return {
    write(item) {
      if (closed) return Promise.reject(new Error('collector is shutting down'));
      return new Promise<boolean>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        kick();
      });
    },
    async close() {
      closed = true;
      while (inFlight > 0 || queue.length > 0 || scheduled) {
        await new Promise<void>((r) => { idle = r; setTimeout(r, 50); });
      }
    },
  };
}
