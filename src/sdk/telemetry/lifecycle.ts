// Page lifecycle hooks for unload-safe delivery. `visibilitychange` -> hidden is the
// last event reliably fired on mobile (https://developer.chrome.com/docs/web-platform/page-lifecycle-api#advice-hidden);
// `pagehide` covers desktop navigations and bfcache. Listeners go on `window` in the
// bubble phase so they run after web-vitals' capture-phase listeners have reported.

export interface LifecycleHandlers {
  onHidden(): void;
  onVisible(): void;
}

/** Registers listeners where there is a page; returns the function that removes them. */
export function watchLifecycle({ onHidden, onVisible }: LifecycleHandlers): () => void {
  if (typeof window === 'undefined' || typeof document === 'undefined' || typeof addEventListener !== 'function') return () => {};
  const onVis = () => { if (document.visibilityState === 'hidden') onHidden(); else onVisible(); };
  const onHide = () => onHidden();
  addEventListener('visibilitychange', onVis);
  addEventListener('pagehide', onHide);
  return () => {
    removeEventListener('visibilitychange', onVis);
    removeEventListener('pagehide', onHide);
  };
}
