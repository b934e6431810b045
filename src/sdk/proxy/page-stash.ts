// Worker mode's unload stash (see src/sdk/telemetry/unload-stash.ts). A worker has no
// localStorage, and it may be stopped with the page before its own unload path runs, so the
// page keeps the stash: at hide it stashes the open window it holds, synchronously, as direct
// mode does; at the next start it hands what earlier pages left to the worker, which moves it
// into the IndexedDB outbox and then releases it here. Same key and format as direct mode, so
// what a page left in either mode is delivered by the next page in either mode.
import type { OutboxItem } from '../telemetry/outbox.js';
import { checkTelemetryOptions, type TelemetryOptions } from '../telemetry/options.js';
import { editStash, stashKeyOf, type Stash } from '../telemetry/unload-stash.js';

export interface PageStash { stash: Stash; release(ids: string[]): void }

/** What earlier pages stashed for the collector `url`; it stays stashed until `release`. */
export function readStash(telemetry: TelemetryOptions): PageStash | undefined {
  let key: string;
  try { key = stashKeyOf(checkTelemetryOptions(telemetry as TelemetryOptions & { endpoint: string })); } catch { return undefined; } // the worker's init says what is wrong
  return readStashAt(key);
}

/** What the stash under `key` holds; it stays stashed until `release`. */
export function readStashAt(key: string): PageStash | undefined {
  let stash: Stash | undefined;
  editStash(key, (s) => { stash = { items: s.items.slice(), dropped: { ...s.dropped } }; });
  if (!stash) return undefined;
  const taken = stash.dropped;
  return {
    stash,
    release(ids) {
      editStash(key, (s) => {
        s.items = s.items.filter((i) => !ids.includes(i.id));
        s.dropped = { queue: Math.max(0, s.dropped.queue - taken.queue), outbox: Math.max(0, s.dropped.outbox - taken.outbox) };
      });
    },
  };
}

/** Synchronously stash a batch the page holds (replacing an older copy of it). */
export function stashHeld(url: string, item: OutboxItem): void {
  editStash(stashKeyOf(url), (s) => { s.items = s.items.filter((i) => i.id !== item.id); s.items.push(item); });
}

/** The worker delivered these or has them in its outbox: the stash no longer needs them. */
export function unstash(url: string, ids: string[]): void {
  editStash(stashKeyOf(url), (s) => { s.items = s.items.filter((i) => !ids.includes(i.id)); });
}
