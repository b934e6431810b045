// Gets serialized batches to the collector: a bounded in-memory queue sent one at
// a time; on a retryable failure everything waiting moves to the outbox and a
// jittered, Retry-After-honouring backoff timer drains it later (across reloads,
// since the outbox and the "not before" time are persisted). The unload path is
// synchronous: fetch keepalive inside the browser's 64 KiB budget, then sendBeacon.
import { backoffDelay, parseRetryAfter, type BackoffOptions } from './backoff.js';
import { lostWith, type Outbox, type OutboxItem } from './outbox.js';
import { beacon, sendBatch, type SendResult } from './transport.js';

export interface DeliveryOptions {
  url: string;
  outbox: Promise<Outbox>;
  fetch?: typeof fetch;
  maxQueueBatches?: number;
  keepaliveBudgetBytes?: number;
  retry?: BackoffOptions & { maxRetryAfterMs?: number };
  compress?: boolean;
  timeoutMs?: number;
  now?: () => number;
}

export interface DeliveryStats {
  sent: number;
  /** Batches the collector refused with a non-retryable 4xx (malformed; not retried). */
  rejected: number;
  failures: number;
  lastError?: string;
}

export interface Delivery {
  /** Send (or, when backing off or failing, persist) one batch. Resolves when it is either. */
  send(item: OutboxItem): Promise<void>;
  /** Synchronous best effort for pagehide / hidden: keepalive fetch, then beacon, then outbox. */
  sendOnUnload(item: OutboxItem | null): void;
  /** Resolves when every batch handed to send() so far is sent or persisted. */
  settled(): Promise<void>;
  /** Retry what waits in the outbox unless a backoff is running. */
  drain(): Promise<void>;
  readonly backingOff: boolean;
  /** Drops since the last call, for the next batch's `dropped` field (resets them). */
  takeDropped(): { queue: number; outbox: number };
  readonly stats: DeliveryStats;
  /** Forget unload sends, when the page becomes visible again. */
  resetUnload(): void;
  dispose(): void;
}

const utf8Length = (s: string) => {
  let n = s.length;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) n += s.charCodeAt(i) > 0x7ff ? 2 : 1;
  return n;
};

export function createDelivery(opts: DeliveryOptions): Delivery {
  const { url, maxQueueBatches = 32, keepaliveBudgetBytes = 65_536, retry = {}, compress = true, timeoutMs = 15_000, now = Date.now } = opts;
  const f = opts.fetch ?? ((...a: Parameters<typeof fetch>) => globalThis.fetch(...a));
  const { maxRetryAfterMs = 3_600_000 } = retry;
  const queue: OutboxItem[] = [];
  const stats: DeliveryStats = { sent: 0, rejected: 0, failures: 0 };
  const unloadSent = new Set<string>();
  let queueDropped = 0;
  let outboxDropped = 0;
  let attempt = 0;
  let notBefore = 0;
  let keepaliveInFlight = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pumping: Promise<void> | null = null;
  let draining: Promise<void> | null = null;
  let disposed = false;

  const outbox = opts.outbox.then(async (o) => {
    // Resume after a reload: respect the backoff an earlier page was in.
    notBefore = Math.max(notBefore, await o.getNotBefore().catch(() => 0));
    addDropped(await o.takeDropped().catch(() => ({ queue: 0, outbox: 0 })));
    const waiting = await o.list().catch(() => []);
    if (waiting.length) schedule(Math.min(Math.max(0, notBefore - now()), retry.maxMs ?? 300_000));
    return o;
  });

  function addDropped(d: { queue: number; outbox: number }): void {
    queueDropped += d.queue;
    outboxDropped += d.outbox;
  }

  const post = (item: OutboxItem, keepalive = false) => sendBatch(item.body, { url, fetch: f, keepalive, compress, timeoutMs });

  function schedule(delay: number): void {
    if (disposed) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => { timer = undefined; void drain(); }, Math.ceil(delay));
    (timer as { unref?: () => void }).unref?.(); // never keep a Node process alive for telemetry
  }

  function succeeded(): void {
    stats.sent++;
    if (attempt > 0 || notBefore > 0) {
      attempt = 0;
      notBefore = 0;
      void outbox.then((o) => o.setNotBefore(0)).catch(() => {});
    }
  }

  function failed(r: Extract<SendResult, { ok: false }>): void {
    stats.failures++;
    stats.lastError = r.reason;
    const t = now();
    const after = parseRetryAfter(r.retryAfter, t);
    const delay = Math.ceil(Math.max(backoffDelay(attempt++, { ...retry }), after === undefined ? 0 : Math.min(after, maxRetryAfterMs)));
    notBefore = t + delay;
    void outbox.then((o) => o.setNotBefore(notBefore)).catch(() => {});
    schedule(delay);
  }

  async function persist(item: OutboxItem): Promise<void> {
    try {
      const o = await outbox;
      await o.put(item);
      addDropped(await o.takeDropped());
    } catch {
      // Quota or a closed database: the batch is lost, and counted with what it carried.
      const lost = lostWith([item]);
      addDropped({ queue: lost.queue, outbox: lost.outbox });
    }
  }

  async function runQueue(): Promise<void> {
    while (queue.length) {
      // After a failure, new batches join the outbox instead of racing the retry:
      // one probe per backoff period, from drain(), until a send succeeds.
      if (disposed || attempt > 0) {
        for (const item of queue.splice(0)) await persist(item);
        if (!disposed && now() >= notBefore) void drain();
        continue;
      }
      const item = queue[0]!;
      const r = await post(item);
      const i = queue.indexOf(item);
      if (r.ok || !r.retry) {
        if (i >= 0) queue.splice(i, 1);
        if (r.ok) succeeded(); else stats.rejected++;
        continue;
      }
      failed(r);
    }
  }

  async function runDrain(): Promise<void> {
    const o = await outbox;
    // A timer may fire a little early (rounding, clamping): wait out the rest.
    if (now() < notBefore) { schedule(notBefore - now()); return; }
    for (const item of await o.list()) {
      if (disposed) return;
      const r = await post(item);
      if (r.ok || !r.retry) {
        await o.delete(item.id);
        if (r.ok) succeeded(); else stats.rejected++;
        continue;
      }
      failed(r);
      return;
    }
  }

  // A drain asked for while one runs (a batch was persisted after it listed the outbox)
  // runs once more afterwards, so nothing waits in the outbox for the next timer.
  let again = false;
  function drain(): Promise<void> {
    if (draining) { again = true; return draining; }
    draining = (async () => {
      do { again = false; await runDrain().catch(() => {}); } while (again && !disposed && now() >= notBefore);
    })().finally(() => { draining = null; });
    return draining;
  }

  return {
    send(item) {
      queue.push(item);
      if (queue.length > maxQueueBatches) {
        // The batch itself is a queue drop; the drops it carried keep their kind.
        const lost = lostWith(queue.splice(0, 1));
        addDropped({ queue: lost.queue + 1, outbox: lost.outbox - 1 });
      }
      pumping ??= runQueue().catch(() => {}).finally(() => { pumping = null; });
      return pumping;
    },
    sendOnUnload(extra) {
      const items = extra ? [...queue, extra] : [...queue];
      for (const item of items) {
        if (unloadSent.has(item.id)) continue;
        if (now() < notBefore) { if (item === extra) void persist(item); continue; } // honour Retry-After
        const bytes = utf8Length(item.body);
        if (keepaliveInFlight + bytes <= keepaliveBudgetBytes && typeof globalThis.fetch === 'function') {
          keepaliveInFlight += bytes;
          unloadSent.add(item.id);
          void post(item, true).then((r) => {
            keepaliveInFlight -= bytes;
            if (r.ok) { const i = queue.indexOf(item); if (i >= 0) queue.splice(i, 1); succeeded(); }
            else if (r.retry) { if (item === extra) void persist(item); failed(r); }
            else stats.rejected++;
          });
        } else if (beacon(url, item.body)) {
          unloadSent.add(item.id);
          const i = queue.indexOf(item);
          if (i >= 0) queue.splice(i, 1);
        } else if (item === extra) {
          void persist(item);
        }
      }
    },
    drain,
    settled: () => pumping ?? Promise.resolve(),
    get backingOff() { return now() < notBefore; },
    takeDropped() {
      const d = { queue: queueDropped, outbox: outboxDropped };
      queueDropped = 0;
      outboxDropped = 0;
      return d;
    },
    stats,
    resetUnload() { unloadSent.clear(); },
    dispose() {
      disposed = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      void outbox.then((o) => o.close()).catch(() => {});
    },
  };
}
