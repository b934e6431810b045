// Worker mode: what only the page has reaches telemetry in the worker. pagehide and
// visibilitychange -> hidden make the worker flush through its unload path at once (the message
// is posted inside the event handler, before the page goes); web-vitals observe the page here.
import { watchLifecycle } from '../telemetry/lifecycle.js';
import { observeVitals } from '../telemetry/vitals.js';
import type { VitalName } from '../telemetry/recorder.js';

export interface PageEventTarget {
  hidden(): Promise<void> | void;
  visible(): Promise<void> | void;
  online(): Promise<void> | void;
  vital(name: VitalName, id: string, value: number): Promise<void> | void;
}

/** Start forwarding; returns the function that stops it. */
export function forwardPageEvents(to: PageEventTarget, webVitals: boolean, isActive: () => boolean): () => void {
  const quiet = (p: Promise<void> | void) => void (p as Promise<void> | undefined)?.catch?.(() => {}); // the worker may be gone
  const unwatch = watchLifecycle({ onHidden: () => quiet(to.hidden()), onVisible: () => quiet(to.visible()), onOnline: () => quiet(to.online()) });
  if (webVitals) void observeVitals((name, id, value) => quiet(to.vital(name, id, value)), isActive);
  return unwatch;
}
