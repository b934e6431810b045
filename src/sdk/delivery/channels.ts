// One model handle per (id, channel). When the channel moves to another version (new release,
// rollout change, kill switch) the handle keeps serving the version it has until the new one
// has downloaded, verified, loaded and passed the backend self-test, then swaps atomically.
// Revalidation happens on load() of the same id + channel and, lazily, on predict() once the
// manifest is older than manifestMaxAgeMs — no timers.
import type { Model } from '../model.js';
import { INTERNAL } from '../model-internal.js';
import type { Delivery } from './delivery.js';

export interface ChannelDeps<O extends object> {
  delivery: Pick<Delivery, 'resolve' | 'emit'>;
  /** Load one version for real (delivery + backend placement); `opts` are the caller's load options. `update`: a running version serves meanwhile, so no last-good fallback. */
  loadVersion(id: string, channel: string, opts: O, update?: boolean): Promise<Model>;
  manifestMaxAgeMs: number;
  now?: () => number;
}

interface Entry { model: Model; current: Model; checkedAt: number; refreshing: Promise<void> | null }

/** A Model whose calls go to whichever version is current; `swap` replaces it. */
function swappable(entry: Entry, revalidate: () => void): Model {
  const inflight = new Map<Model, number>();
  const handle = {
    get id() { return entry.current.id; },
    get version() { return entry.current.version; },
    get backend() { return entry.current.backend; },
    get fallbacks() { return entry.current.fallbacks; },
    get format() { return entry.current.format; },
    get [INTERNAL]() { return (entry.current as unknown as Record<symbol, unknown>)[INTERNAL]; },
    async predict(input: Parameters<Model['predict']>[0]) {
      revalidate();
      const m = entry.current;
      inflight.set(m, (inflight.get(m) ?? 0) + 1);
      try {
        return await m.predict(input);
      } finally {
        const n = inflight.get(m)! - 1;
        if (n) inflight.set(m, n);
        else { inflight.delete(m); if (m !== entry.current) m.dispose(); } // swapped out meanwhile
      }
    },
    explain(input: Parameters<Model['explain']>[0], options?: Parameters<Model['explain']>[1]) { return entry.current.explain(input, options); },
    dispose() { entry.current.dispose(); },
  };
  (handle as unknown as { swap(next: Model): void }).swap = (next: Model) => {
    const old = entry.current;
    entry.current = next;
    if (!inflight.has(old)) old.dispose(); // else the last in-flight predict disposes it
  };
  return handle as unknown as Model;
}

export function createChannels<O extends object>({ delivery, loadVersion, manifestMaxAgeMs, now = Date.now }: ChannelDeps<O>) {
  const entries = new Map<string, Entry>();
  const pending = new Map<string, Promise<Model>>();
  // Candidate versions that already failed on this device: not retried at every revalidation.
  const failed = new Set<string>();

  async function refresh(key: string, id: string, channel: string, opts: O) {
    const entry = entries.get(key)!;
    entry.checkedAt = now();
    const refs = await delivery.resolve({ id, channel });
    const want = refs.find((r) => !(r.variant === 'candidate' && failed.has(`${id}@${r.version}`))) ?? refs[0]!;
    if (want.version === entry.current.version) return;
    // A new version: its load and swap are their own chunk (channel-update.ts).
    await (await import('./channel-update.js')).updateChannel({
      entry, id, want: want.version, load: () => loadVersion(id, channel, opts, true), failed, emit: delivery.emit,
    });
  }

  function refreshOnce(key: string, id: string, channel: string, opts: O): Promise<void> {
    const entry = entries.get(key)!;
    entry.refreshing ??= refresh(key, id, channel, opts).finally(() => { entry.refreshing = null; });
    return entry.refreshing;
  }

  /** The handle for id + channel: created on first load, revalidated (and maybe swapped) after. */
  async function load(id: string, channel: string, opts: O): Promise<Model> {
    const key = `${id}\u0000${channel}`;
    const known = entries.get(key);
    if (known) {
      // A revalidation failure leaves the running version serving; the next load tries again.
      await refreshOnce(key, id, channel, opts).catch(() => {});
      return known.model;
    }
    let p = pending.get(key);
    if (!p) {
      p = (async () => {
        const first = await loadVersion(id, channel, opts);
        const refs = await delivery.resolve({ id, channel }).catch(() => []);
        if (refs[0]?.variant === 'candidate' && first.version !== refs[0].version) failed.add(`${id}@${refs[0].version}`);
        const entry: Entry = { model: first, current: first, checkedAt: now(), refreshing: null };
        entry.model = swappable(entry, () => {
          if (now() - entry.checkedAt >= manifestMaxAgeMs && !entry.refreshing) {
            void refreshOnce(key, id, channel, {} as O).catch(() => {});
          }
        });
        entries.set(key, entry);
        return entry.model;
      })().finally(() => pending.delete(key));
      pending.set(key, p);
    }
    return p;
  }

  /** Forget a handle (its model was disposed). */
  const forget = (model: Model) => {
    for (const [k, e] of entries) if (e.model === model || e.current === model) entries.delete(k);
  };

  return { load, forget };
}
