// Page lifecycle hooks for unload-safe delivery. `visibilitychange` -> hidden is the
// last event reliably fired on mobile (https://developer.chrome.com/docs/web-platform/page-lifecycle-api#advice-hidden);
// `pagehide` covers desktop navigations and bfcache. The order differs: on a tab close
// Chromium fires `pagehide` first and `visibilitychange` after it, and web-vitals reports
// INP and CLS only on `visibilitychange`. So both events run onHidden, and each run
// stashes and sends whatever the window holds by then (the final vitals included);
// listeners go on `window` in the bubble phase, after web-vitals' capture-phase ones.

export interface LifecycleHandlers {
  onHidden(): void;
  onVisible(): void;
  /** The browser reports connectivity again (`online`). */
  onOnline(): void;
}

/** Registers listeners where there is a page; returns the function that removes them. */
export function watchLifecycle({ onHidden, onVisible, onOnline }: LifecycleHandlers): () => void {
  if (typeof window === 'undefined' || typeof document === 'undefined' || typeof addEventListener !== 'function') return () => {};
  const onVis = () => { if (document.visibilityState === 'hidden') onHidden(); else onVisible(); };
  const on: [string, () => void][] = [['visibilitychange', onVis], ['pagehide', onHidden], ['online', onOnline]];
  for (const [e, fn] of on) addEventListener(e, fn);
  return () => { for (const [e, fn] of on) removeEventListener(e, fn); };
}
