// Worker mode: what only the page has reaches telemetry in the worker. pagehide and
// visibilitychange -> hidden make the worker flush through its unload path at once (the message
// is posted inside the event handler, before the page goes); web-vitals observe the page here.
import { watchLifecycle } from '../telemetry/lifecycle.js';
import type { PageEvents } from '../telemetry/options.js';
import type { OutboxItem } from '../telemetry/outbox.js';
import type { VitalName } from '../telemetry/recorder.js';
import type { Batch } from '../../protocol/wire-types.js';
import { SketchCore } from '../../protocol/sketch-core.js';
import { noisyVitals } from '../telemetry/batch.js';
import { beacon, sendBatch } from '../telemetry/transport.js';
import { observeVitals } from '../telemetry/vitals.js';
import { stashKeyOf, type Stash } from '../telemetry/unload-stash.js';
import { readStashAt, stashHeld, unstash } from './page-stash.js';

export interface PageEventTarget {
  hidden(): Promise<void> | void;
  visible(): Promise<void> | void;
  online(): Promise<void> | void;
  vital(name: VitalName, id: string, value: number): Promise<void> | void;
  /** Another page's unload stash: the worker moves it into its outbox and answers the ids moved. */
  adopt?(stash: Stash): Promise<string[]> | string[];
}

export interface PageEventOptions {
  webVitals: boolean;
  isActive(): boolean;
  /** The collector URL (with ?key=): where the page sends the window it holds when it hides. */
  url?: string;
  /** telemetry.privacy.epsilon: the vitals the page adds at hide get the same noise as the worker's. */
  epsilon?: number;
}

/** The held window's body with its vitals rebuilt from the page's own reports (the worker's
 *  recorder rule: latest value per metric id, ids already in a closed window left out). */
function withPageVitals(body: string, reports: Map<string, { name: VitalName; value: number }>, counted: Set<string>, epsilon?: number): string {
  const sketches = new Map<VitalName, SketchCore>();
  for (const [id, { name, value }] of reports) {
    if (counted.has(id)) continue;
    let s = sketches.get(name);
    if (!s) sketches.set(name, (s = new SketchCore()));
    s.add(value);
  }
  if (!sketches.size) return body;
  const batch = JSON.parse(body) as Batch;
  const vitals = Object.fromEntries([...sketches].map(([k, s]) => [k, s.toJSON()]));
  batch.vitals = epsilon === undefined ? vitals : noisyVitals(vitals, epsilon);
  return JSON.stringify(batch);
}

/**
 * Start forwarding. The worker keeps the page up to date with its open telemetry window
 * (hold()); on pagehide / hidden the page sends that copy itself, synchronously, the way direct
 * mode does (keepalive fetch inside its 64 KiB budget, else sendBeacon), because the worker is
 * stopped with the page and may never run its own unload send. When the worker does run it, it
 * sends the same batch id and the collector keeps one. The worker's closed batches not yet
 * delivered (in flight) are held and sent too; everything is stashed first (page-stash.ts).
 * web-vitals reports INP and CLS in the same visibilitychange that hides the page, too late to
 * reach the worker and come back in the held copy: the page puts its own latest values in.
 */
export function forwardPageEvents(to: PageEventTarget, { webVitals, isActive, url, epsilon }: PageEventOptions): { stop(): void; hold: NonNullable<PageEvents['pending']> } {
  const quiet = (p: Promise<void> | void) => void (p as Promise<void> | undefined)?.catch?.(() => {}); // the worker may be gone
  let held: OutboxItem | null = null;
  let loose: OutboxItem[] = [];
  let counted = new Set<string>();
  const reports = new Map<string, { name: VitalName; value: number }>();
  const sent = new Set<string>(); // bodies sent since the page last showed: pagehide and visibilitychange both run
  const stashed = new Set<string>(); // ids this page stashed: released once the worker no longer holds them loose
  let inFlight = 0; // keepalive bytes not yet answered: the browser's 64 KiB budget, as in direct mode
  const send = (item: OutboxItem) => {
    const bytes = new Blob([item.body]).size;
    if (inFlight + bytes <= 65_536 && typeof fetch === 'function') {
      inFlight += bytes;
      void sendBatch(item.body, { url: url!, fetch: fetch.bind(globalThis), keepalive: true, compress: false }).finally(() => { inFlight -= bytes; });
    } else beacon(url!, item.body);
  };
  const onHidden = () => {
    const items = !url ? [] : held ? [...loose, { ...held, body: withPageVitals(held.body, reports, counted, epsilon) }] : loose;
    for (const item of items) { stashHeld(url!, item); stashed.add(item.id); } // first durable, as direct mode's unload path: a send may not survive the page
    // A tab close fires pagehide while the page still shows, then visibilitychange, where
    // web-vitals reports the final INP and CLS: the page and the worker send (the same batch
    // ids) on that one, with them. Where no visibilitychange follows, the stash keeps them.
    if (document.visibilityState !== 'hidden') return;
    for (const item of items) if (!sent.has(item.body)) { sent.add(item.body); send(item); }
    quiet(to.hidden());
  };
  const onVisible = () => { sent.clear(); quiet(to.visible()); };
  // Another tab stashed at unload (a `storage` event): the worker has no localStorage, so the page
  // reads the stash and hands it over, holding the worker's drain lock (the same name, delivery.ts)
  // until it has unstashed what was moved: of several open tabs one moves it, the rest find it empty.
  const moveStash = async (): Promise<string[]> => {
    const s = readStashAt(stashKeyOf(url!));
    if (!s || (!s.stash.items.length && !s.stash.dropped.queue && !s.stash.dropped.outbox)) return [];
    const ids = await to.adopt!(s.stash);
    s.release(ids);
    return ids;
  };
  const onStash = async () => {
    if (!url || !to.adopt) return [];
    const locks = (navigator as { locks?: LockManager }).locks;
    try { return await (locks ? locks.request(stashKeyOf(url), moveStash) : moveStash()); } catch { return []; } // the worker is gone: the stash stays for the next start
  };
  const unwatch = watchLifecycle({ onHidden, onVisible, onOnline: () => quiet(to.online()), onStash });
  if (webVitals) {
    void observeVitals((name, id, value) => {
      if (value >= 0) reports.set(id, { name, value });
      quiet(to.vital(name, id, value));
    }, isActive);
  }
  const hold: NonNullable<PageEvents['pending']> = (item, countedVitals, looseItems) => {
    held = item;
    counted = new Set(countedVitals);
    loose = looseItems;
    const keep = new Set([item?.id, ...loose.map((i) => i.id)]);
    const gone = [...stashed].filter((id) => !keep.has(id));
    for (const id of gone) stashed.delete(id);
    if (gone.length && url) unstash(url, gone); // delivered or in the worker's outbox, as direct mode's done()
  };
  return { stop: unwatch, hold };
}
