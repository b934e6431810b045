// Group commit: requests that arrive while a transaction is running wait for the next
// one, so a busy collector commits many batches per fsync and per row lock instead of
// one. A request is answered only after the transaction holding its batch committed
// (accepted = durable).
import type { IngestItem, Store } from './store/types.js';

export interface WriterOptions {
  store: Store;
  /** Most batches per transaction. */
  maxGroup?: number;
}

export interface Writer {
  /** Resolves true when counted now, false for a replay; rejects if the store failed. */
  write(item: IngestItem): Promise<boolean>;
  /** Wait for queued writes, then refuse new ones. */
  close(): Promise<void>;
}

interface Pending { item: IngestItem; resolve(fresh: boolean): void; reject(err: unknown): void }

export function createWriter({ store, maxGroup = 500 }: WriterOptions): Writer {
  let queue: Pending[] = [];
  let running: Promise<void> | null = null;
  let closed = false;

  async function drain(): Promise<void> {
    while (queue.length) {
      const group = queue.slice(0, maxGroup);
      queue = queue.slice(group.length);
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
  }

  function kick(): void {
    if (running) return;
    // setImmediate lets every request parsed in this event-loop turn join the group.
    running = new Promise<void>((r) => setImmediate(r)).then(drain).finally(() => {
      running = null;
      if (queue.length) kick();
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
      while (running) await running;
    },
  };
}
