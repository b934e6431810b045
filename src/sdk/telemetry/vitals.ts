// Host-page web-vitals (LCP, INP, CLS, FCP, TTFB) via the `web-vitals` package,
// imported lazily and only in a window context (never in a Worker or Node).
import type { VitalName } from './recorder.js';

export type VitalSink = (name: VitalName, id: string, value: number) => void;

/** Start observing; resolves true when observers were registered. Never throws. */
export async function observeVitals(sink: VitalSink, isActive: () => boolean): Promise<boolean> {
  if (typeof window === 'undefined' || typeof document === 'undefined') return false;
  try {
    const wv = await import('web-vitals');
    // web-vitals has no way to unsubscribe; after dispose() reports are ignored.
    const report = (m: { name: string; id: string; value: number }) => { if (isActive()) sink(m.name as VitalName, m.id, m.value); };
    wv.onLCP(report);
    // INP counts once, at hide, as web-vitals' default reports it; but web-vitals handles an
    // interaction in an idle callback, and one still waiting when the page hides runs after that
    // final report, in the same visibilitychange: only a reportAllChanges listener hears it (the
    // click that closes the tab was lost). So: every change, held while the page shows, passed on
    // at hide (this capture listener runs after web-vitals' own) and when it comes later.
    let inp: Parameters<typeof report>[0] | undefined;
    wv.onINP((m) => { inp = m; if (document.visibilityState === 'hidden') report(m); }, { reportAllChanges: true });
    addEventListener('visibilitychange', () => { if (inp && document.visibilityState === 'hidden') report(inp); }, true);
    wv.onCLS(report);
    wv.onFCP(report);
    wv.onTTFB(report);
    return true;
  } catch {
    return false;
  }
}
