// Page lifecycle hooks for unload-safe delivery. `visibilitychange` -> hidden is the
// last event reliably fired on mobile (https://developer.chrome.com/docs/web-platform/page-lifecycle-api#advice-hidden);
// `pagehide` covers desktop navigations and bfcache. The order differs: on a tab close
// Chromium fires `pagehide` first and `visibilitychange` after it, and web-vitals reports
// INP and CLS only on `visibilitychange`. So both events run onHidden, and each run
// stashes and sends whatever the window holds by then (the final vitals included);
// listeners go on `window` in the bubble phase, after web-vitals' capture-phase ones.
// `storage` fires in every other page of the origin when one writes localStorage: a tab that
// closes while others stay open stashes what it could not deliver (unload-stash.ts), and the
// pages still open move it into the outbox at once instead of leaving it for the next start.
import { STASH_PREFIX, type Stash } from './unload-stash.js';

export interface LifecycleHandlers {
  onHidden(): void;
  onVisible(): void;
  /** The browser reports connectivity again (`online`). */
  onOnline(): void;
  /** Another page stashed batches at unload (on the page: no argument; in a worker: the stash the
   *  page read and hands over). Resolves the ids moved into the outbox. */
  onStash?(stash?: Stash): Promise<string[]>;
}

/** Registers listeners where there is a page; returns the function that removes them. */
export function watchLifecycle({ onHidden, onVisible, onOnline, onStash }: LifecycleHandlers): () => void {
  if (typeof window === 'undefined' || typeof document === 'undefined' || typeof addEventListener !== 'function') return () => {};
  const onVis = () => { if (document.visibilityState === 'hidden') onHidden(); else onVisible(); };
  // (newValue null: removed or cleared, nothing to move)
  const onStorage = (e: StorageEvent) => { if (e.key?.startsWith(STASH_PREFIX) && e.newValue) void onStash?.(); };
  const on: [string, EventListener][] = [['visibilitychange', onVis], ['pagehide', onHidden], ['online', onOnline], ['storage', onStorage as EventListener]];
  for (const [e, fn] of on) addEventListener(e, fn);
  return () => { for (const [e, fn] of on) removeEventListener(e, fn); };
}
