// The synchronous half of the unload path. A page that hides may be gone before any
// asynchronous write lands: an IndexedDB put() started in `pagehide` did not survive a
// reload or a same-tab navigation in Chromium, and a keepalive fetch's failure handler
// never runs once the page is gone. localStorage writes are synchronous, so what is not
// yet delivered is copied here at the moment the page hides; the next start moves it
// into the IndexedDB outbox and sends it (the collector deduplicates by batch id when
// the keepalive send made it too); pages of the origin already open do the same as soon as it
// is written (their `storage` event, lifecycle.ts; Delivery.adopt). Bounded; what does not fit is counted, never silent.
import { lostWith, type OutboxItem } from './outbox.js';

export interface Stash {
  items: OutboxItem[];
  /** Losses not yet reported by any batch (stash bounds, queue and outbox drops). */
  dropped: { queue: number; outbox: number };
}

/** A stash handed over by the page to telemetry that runs without localStorage (worker mode):
 *  `release` removes the items (and the drop counts given) once they are in the outbox. */
export interface HandedStash extends Stash { release(ids: string[]): void }

export const STASH_PREFIX = 'inferscope-telemetry ';
/** The localStorage key of the stash for one collector URL (the same in both modes). */
export const stashKeyOf = (url: string) => STASH_PREFIX + url;

/** Default bound on the stash, in body characters (localStorage holds about 5M per origin). */
export const MAX_STASH_CHARS = 512 * 1024;

const storage = (): Storage | undefined => {
  try {
    return (globalThis as { localStorage?: Storage }).localStorage;
  } catch {
    return undefined; // sandboxed iframes throw on access
  }
};

function read(ls: Storage, key: string): Stash {
  try {
    const s = JSON.parse(ls.getItem(key) ?? 'null') as Stash | null;
    if (s && Array.isArray(s.items) && s.dropped) return s;
  } catch {
    // unreadable: start over (nothing of ours can be recovered from it)
  }
  return { items: [], dropped: { queue: 0, outbox: 0 } };
}

const addLost = (s: Stash, items: OutboxItem[]) => {
  const l = lostWith(items);
  s.dropped.queue += l.queue;
  s.dropped.outbox += l.outbox;
};

/**
 * Read-modify-write of the stash under `key`, synchronously; the edit sees the stored
 * state (other tabs of the origin share it). Oldest batches beyond `maxChars` or the
 * storage quota are dropped and counted. Returns the stash as written, or null when
 * there is no localStorage.
 * @example editStash(key, (s) => { s.items.push(item); });
 */
export function editStash(key: string, edit: (s: Stash) => void, maxChars = MAX_STASH_CHARS): Stash | null {
  const ls = storage();
  if (!ls) return null;
  try {
    const s = read(ls, key);
    edit(s);
    s.items.sort((a, b) => a.at - b.at);
    let chars = s.items.reduce((n, i) => n + i.body.length, 0);
    while (chars > maxChars && s.items.length) {
      const old = s.items.shift()!;
      chars -= old.body.length;
      addLost(s, [old]);
    }
    if (!s.items.length && !s.dropped.queue && !s.dropped.outbox) ls.removeItem(key);
    else {
      try {
        ls.setItem(key, JSON.stringify(s));
      } catch {
        // Quota (other scripts share it): keep the counts at least.
        addLost(s, s.items.splice(0));
        ls.setItem(key, JSON.stringify(s));
      }
    }
    return s;
  } catch {
    return null;
  }
}
