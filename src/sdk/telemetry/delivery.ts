// Gets serialized batches to the collector: a bounded in-memory queue sent one at
// a time; on a retryable failure everything waiting moves to the outbox and a
// jittered, Retry-After-honouring backoff timer drains it later. The wait ("not
// before") lives in the outbox too, so it gates every send of every page and tab of the
// origin, and one tab at a time drains the shared outbox (Web Locks). The unload path
// is synchronous: what is not yet delivered is stashed in localStorage first (see
// unload-stash.ts), then sent with fetch keepalive inside the browser's 64 KiB budget,
// then sendBeacon; the next start, or a page already open (a `storage` event, adopt()), moves
// the stash into the outbox.
import { backoffDelay, parseRetryAfter, type BackoffOptions } from './backoff.js';
import { lostWith, type Outbox, type OutboxItem, type Wait } from './outbox.js';
import { beacon, sendBatch, type SendResult } from './transport.js';
import { editStash, type HandedStash, type Stash } from './unload-stash.js';

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
  /** localStorage key of the unload stash (one per endpoint); without it, no stash. */
  stashKey?: string;
  /** Worker mode: what the page's stash held at start (a worker has no localStorage). */
  handedStash?: HandedStash;
  /** Called when the batches an unload would lose (looseItems) change: worker mode mirrors them to the page. */
  onLooseChange?: () => void;
  /** Web Locks for draining the outbox one tab at a time (default navigator.locks; null: none). */
  locks?: Pick<LockManager, 'request'> | null;
}

export interface DeliveryStats {
  sent: number;
  /** Batches the collector refused with a non-retryable 4xx (not retried; counted as dropped outbox batches). */
  rejected: number;
  failures: number;
  lastError?: string;
}

export interface Delivery {
  /** Send (or, when backing off or failing, persist) one batch. Resolves when it is either. */
  send(item: OutboxItem): Promise<void>;
  /** Synchronous, for pagehide / hidden: stash what is undelivered, then keepalive fetch, then beacon. */
  sendOnUnload(item: OutboxItem | null): void;
  /** Resolves when every batch handed to send() so far is sent or persisted. */
  settled(): Promise<void>;
  /** Retry what waits in the outbox unless a backoff is running. */
  drain(): Promise<void>;
  /** Another page of the origin stashed batches at unload while this one runs: move them into the
   *  outbox and send them now, not when some later page starts. `handed`: the stash as the page
   *  read it (worker mode). Resolves the ids moved; never rejects. */
  adopt(handed?: Stash): Promise<string[]>;
  /** The browser is back online: end the backoff (not a server's Retry-After) and send soon. */
  online(): void;
  readonly backingOff: boolean;
  /** Drops since the last call, for the next batch's `dropped` field (resets them). */
  takeDropped(): { queue: number; outbox: number };
  readonly stats: DeliveryStats;
  /** Batches neither delivered nor yet in the outbox: what an unload would lose. */
  looseItems(): OutboxItem[];
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
  const { url, maxQueueBatches = 32, keepaliveBudgetBytes = 65_536, retry = {}, compress = true, timeoutMs = 15_000, now = Date.now, stashKey } = opts;
  const f = opts.fetch ?? ((...a: Parameters<typeof fetch>) => globalThis.fetch(...a));
  const locks = opts.locks === undefined ? (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks : opts.locks;
  const { maxRetryAfterMs = 3_600_000 } = retry;
  const queue: OutboxItem[] = [];
  const stats: DeliveryStats = { sent: 0, rejected: 0, failures: 0 };
  const unloadSent = new Set<string>();
  // Batches neither delivered nor yet in the outbox: what an unload would lose.
  const loose = new Map<string, OutboxItem>();
  const stashed = new Set<string>();
  let queueDropped = 0;
  let outboxDropped = 0;
  let attempt = 0;
  let notBefore = 0;
  let retryAfter = 0;
  let keepaliveInFlight = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pumping: Promise<void> | null = null;
  let draining: Promise<void> | null = null;
  let disposed = false;
  const lockName = `inferscope-telemetry ${url}`;

  const outbox = opts.outbox.then(async (o) => {
    // What the last page stashed at unload joins the outbox, and its drop counts are reported.
    const handed = opts.handedStash;
    const ids = await moveStash(o, handed);
    if (handed) { try { handed.release(ids); } catch { /* the page keeps it: the next start sends it again, deduplicated */ } }
    // Resume after a reload: respect the wait an earlier page (or another tab) is in.
    await syncWait(o);
    addDropped(await o.takeDropped().catch(() => ({ queue: 0, outbox: 0 })));
    const waiting = await o.list().catch(() => []);
    if (waiting.length) schedule(Math.min(Math.max(0, notBefore - now()), retry.maxMs ?? 300_000));
    return o;
  });

  /** Moves a stash (the page's, handed over in worker mode; else this origin's localStorage one)
   *  into the outbox, then out of the stash, so a page that dies meanwhile loses nothing; its drop
   *  counts are reported. Returns the ids now in the outbox. */
  async function moveStash(o: Outbox, handed?: Stash): Promise<string[]> {
    if (handed) addDropped(handed.dropped);
    const stash = handed ?? (stashKey ? editStash(stashKey, (s) => { addDropped(s.dropped); s.dropped = { queue: 0, outbox: 0 }; }) : null);
    for (const item of stash?.items ?? []) await o.put(item).catch(() => addDropped(lostWith([item])));
    const ids = (stash?.items ?? []).map((i) => i.id);
    if (!handed && ids.length) unstash(new Set(ids));
    return ids;
  }

  function addDropped(d: { queue: number; outbox: number }): void {
    queueDropped += d.queue;
    outboxDropped += d.outbox;
  }

  function unstash(ids: Set<string>): void {
    if (stashKey) editStash(stashKey, (s) => { s.items = s.items.filter((i) => !ids.has(i.id)); });
  }

  /** The batch is delivered, refused, or safely in the outbox: an unload no longer needs it. */
  function done(id: string): void {
    if (loose.delete(id)) opts.onLooseChange?.();
    if (stashed.delete(id)) unstash(new Set([id]));
  }

  /** Apply `edit` to the shared wait and adopt the result (the later of ours and the stored one). */
  async function syncWait(o: Outbox, edit?: (w: Wait) => void): Promise<void> {
    const w = await o.wait(edit).catch(() => null);
    if (w) {
      notBefore = edit ? w.notBefore : Math.max(notBefore, w.notBefore);
      retryAfter = Math.max(retryAfter, w.retryAfter);
    }
    clockCheck();
  }

  // Waits are wall-clock times (they are shared with other tabs and later pages through the
  // outbox), so a clock set back (by the user, or NTP after a sleep) stretches a 5 s backoff into
  // as long as the jump: every batch sat in the outbox for hours or days. No wait this code sets
  // is longer than the longest backoff or Retry-After it honours; a longer one means the clock
  // went back, and it is dropped (here and in the stored wait). A collector that still wants a
  // wait says so again in its next answer.
  const longestWait = Math.max(maxRetryAfterMs, retry.maxMs ?? 300_000) + 1000;
  function clockCheck(): void {
    const t = now();
    if (notBefore - t <= longestWait && retryAfter - t <= longestWait) return;
    notBefore = retryAfter = 0;
    void outbox.then((o) => o.wait((w) => {
      if (w.notBefore - t > longestWait) w.notBefore = 0;
      if (w.retryAfter - t > longestWait) w.retryAfter = 0;
    })).catch(() => {});
  }

  const post = (item: OutboxItem, keepalive = false) => sendBatch(item.body, { url, fetch: f, keepalive, compress, timeoutMs });

  function schedule(delay: number): void {
    if (disposed) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => { timer = undefined; void drain(); }, Math.ceil(delay));
    (timer as { unref?: () => void }).unref?.(); // never keep a Node process alive for telemetry
  }

  function succeeded(id: string): void {
    stats.sent++;
    done(id);
    attempt = 0;
    // Only a wait that is over ends here: a success must not cut a Retry-After short
    // (another tab, or this page before a reload, may have been told to wait).
    const t = now();
    if (notBefore && t >= notBefore) {
      notBefore = 0;
      void outbox.then((o) => o.wait((w) => { if (w.notBefore <= t) w.notBefore = 0; })).catch(() => {});
    }
  }

  /** The collector refused the batch for good (a non-retryable 4xx): it is lost, so it is counted
   *  with the drops it carried, for the next batch to report (the collector never saw them). */
  function refused(item: OutboxItem): void {
    stats.rejected++;
    addDropped(lostWith([item]));
    done(item.id);
  }

  function failed(r: Extract<SendResult, { ok: false }>): void {
    stats.failures++;
    stats.lastError = r.reason;
    const t = now();
    const after = parseRetryAfter(r.retryAfter, t);
    const asked = after === undefined ? 0 : Math.min(after, maxRetryAfterMs);
    notBefore = Math.max(notBefore, t + Math.ceil(Math.max(backoffDelay(attempt++, { ...retry }), asked)));
    if (asked) retryAfter = Math.max(retryAfter, t + asked);
    const nb = notBefore;
    const ra = retryAfter;
    void outbox.then((o) => o.wait((w) => { w.notBefore = Math.max(w.notBefore, nb); w.retryAfter = Math.max(w.retryAfter, ra); })).catch(() => {});
    schedule(nb - t);
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
    done(item.id);
  }

  async function runQueue(): Promise<void> {
    const o = await outbox; // the stored wait is known before the first send
    while (queue.length) {
      await syncWait(o); // another tab may have been told to wait since
      // While a wait runs, new batches join the outbox instead of racing the retry:
      // one probe per backoff period, from drain(), until a send succeeds.
      if (disposed || attempt > 0 || now() < notBefore) {
        for (const item of queue.splice(0)) await persist(item);
        if (!disposed) schedule(Math.max(0, notBefore - now()));
        continue;
      }
      const item = queue[0]!;
      const r = await post(item);
      const i = queue.indexOf(item);
      if (r.ok || !r.retry) {
        if (i >= 0) queue.splice(i, 1);
        if (r.ok) succeeded(item.id); else refused(item);
        continue;
      }
      failed(r);
    }
  }

  async function runDrain(): Promise<void> {
    const o = await outbox;
    await syncWait(o);
    // A timer may fire a little early (rounding, clamping): wait out the rest.
    if (now() < notBefore) { schedule(notBefore - now()); return; }
    for (const item of await o.list()) {
      if (disposed) return;
      const r = await post(item);
      if (r.ok || !r.retry) {
        await o.delete(item.id);
        if (r.ok) succeeded(item.id); else refused(item);
        continue;
      }
      failed(r);
      return;
    }
  }

  // The outbox is shared by every tab of the origin: one drains it at a time, and the
  // next lists it only after the first deleted what it sent (no batch sent twice).
  const exclusive = <T>(run: () => Promise<T>) => (locks ? locks.request(lockName, run) as Promise<T> : run());

  // A drain asked for while one runs (a batch was persisted after it listed the outbox)
  // runs once more afterwards, so nothing waits in the outbox for the next timer.
  let again = false;
  function drain(): Promise<void> {
    if (draining) { again = true; return draining; }
    draining = (async () => {
      do { again = false; await exclusive(runDrain).catch(() => {}); } while (again && !disposed && now() >= notBefore);
    })().finally(() => { draining = null; });
    return draining;
  }

  /** Keepalive fetch within the budget, else sendBeacon; '' when neither took it. */
  function sendNow(item: OutboxItem): 'keepalive' | 'beacon' | '' {
    const bytes = utf8Length(item.body);
    if (keepaliveInFlight + bytes <= keepaliveBudgetBytes && typeof globalThis.fetch === 'function') {
      keepaliveInFlight += bytes;
      void post(item, true).then((r) => {
        keepaliveInFlight -= bytes;
        const i = queue.indexOf(item);
        if (r.ok || !r.retry) {
          if (i >= 0) queue.splice(i, 1);
          if (r.ok) succeeded(item.id); else refused(item);
        } else {
          failed(r);
          if (i < 0) void persist(item); // the page lives on: keep it in the outbox
        }
      });
      return 'keepalive';
    }
    if (!beacon(url, item.body)) return '';
    // A beacon's fate is unknown: the stash keeps the batch for the next start.
    const i = queue.indexOf(item);
    if (i >= 0) queue.splice(i, 1);
    return 'beacon';
  }

  return {
    send(item) {
      queue.push(item);
      loose.set(item.id, item);
      opts.onLooseChange?.();
      if (queue.length > maxQueueBatches) {
        // The batch itself is a queue drop; the drops it carried keep their kind.
        const old = queue.splice(0, 1);
        const lost = lostWith(old);
        addDropped({ queue: lost.queue + 1, outbox: lost.outbox - 1 });
        done(old[0]!.id);
      }
      pumping ??= runQueue().catch(() => {}).finally(() => { pumping = null; });
      return pumping;
    },
    sendOnUnload(extra) {
      clockCheck();
      if (extra) loose.set(extra.id, extra);
      // First make it durable, synchronously: the page may be gone before anything async lands.
      const fresh = [...loose.values()].filter((i) => !stashed.has(i.id));
      const d = { queue: queueDropped, outbox: outboxDropped };
      if (stashKey && (fresh.length || d.queue || d.outbox)) {
        const s = editStash(stashKey, (st) => {
          st.items.push(...fresh);
          st.dropped.queue += d.queue;
          st.dropped.outbox += d.outbox;
        });
        if (s) {
          for (const i of fresh) stashed.add(i.id);
          queueDropped = outboxDropped = 0;
        }
      }
      // Then try to deliver now, unless a wait runs (Retry-After holds on unload too).
      for (const item of [...loose.values()]) {
        if (unloadSent.has(item.id)) continue;
        const how = now() >= notBefore ? sendNow(item) : '';
        if (how) unloadSent.add(item.id);
        // Not sent and not queued: the outbox too, for when the page lives on.
        else if (!queue.includes(item)) void persist(item);
      }
    },
    drain,
    adopt(handed) {
      // Under the drain lock (direct mode; in worker mode the page holds it around this call): a
      // stash that several open tabs hear of at once is moved by one, and the others find it empty.
      const move = () => outbox.then((o) => moveStash(o, handed));
      return (handed ? move() : exclusive(move)).then((ids) => { if (ids.length && !disposed) void drain(); return ids; }, () => []);
    },
    online() {
      // Reconnected: the backoff measured the outage, not the collector; a Retry-After stands.
      attempt = 0;
      const t = now();
      notBefore = retryAfter > t ? retryAfter : 0;
      void outbox.then((o) => syncWait(o, (w) => { w.notBefore = w.retryAfter > t ? w.retryAfter : 0; }));
      // Jittered (up to 1 s), so a fleet that reconnects together does not send together.
      schedule(Math.max(notBefore - t, (retry.random ?? Math.random)() * Math.min(1000, retry.baseMs ?? 1000)));
    },
    settled: () => pumping ?? Promise.resolve(),
    get backingOff() { clockCheck(); return now() < notBefore; },
    takeDropped() {
      const d = { queue: queueDropped, outbox: outboxDropped };
      queueDropped = 0;
      outboxDropped = 0;
      return d;
    },
    stats,
    looseItems: () => [...loose.values()],
    resetUnload() {
      unloadSent.clear();
      // The page is back: report the drops stashed at hide with this page's next batch.
      if (stashKey) editStash(stashKey, (s) => { addDropped(s.dropped); s.dropped = { queue: 0, outbox: 0 }; });
    },
    dispose() {
      disposed = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      void outbox.then((o) => o.close()).catch(() => {});
    },
  };
}
