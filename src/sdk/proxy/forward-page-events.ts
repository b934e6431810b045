// Worker mode: what only the page has reaches telemetry in the worker. pagehide and
// visibilitychange -> hidden make the worker flush through its unload path at once (the message
// is posted inside the event handler, before the page goes); web-vitals observe the page here.
import { watchLifecycle } from '../telemetry/lifecycle.js';
import type { OutboxItem } from '../telemetry/outbox.js';
import type { VitalName } from '../telemetry/recorder.js';
import { beacon, sendBatch } from '../telemetry/transport.js';
import { observeVitals } from '../telemetry/vitals.js';

export interface PageEventTarget {
  hidden(): Promise<void> | void;
  visible(): Promise<void> | void;
  online(): Promise<void> | void;
  vital(name: VitalName, id: string, value: number): Promise<void> | void;
}

export interface PageEventOptions {
  webVitals: boolean;
  isActive(): boolean;
  /** The collector URL (with ?key=): where the page sends the window it holds when it hides. */
  url?: string;
}

/**
 * Start forwarding. The worker keeps the page up to date with its open telemetry window
 * (hold()); on pagehide / hidden the page sends that copy itself, synchronously, the way direct
 * mode does (keepalive fetch inside its 64 KiB budget, else sendBeacon), because the worker is
 * stopped with the page and may never run its own unload send. When the worker does run it, it
 * sends the same batch id and the collector keeps one.
 */
export function forwardPageEvents(to: PageEventTarget, { webVitals, isActive, url }: PageEventOptions): { stop(): void; hold(item: OutboxItem | null): void } {
  const quiet = (p: Promise<void> | void) => void (p as Promise<void> | undefined)?.catch?.(() => {}); // the worker may be gone
  let held: OutboxItem | null = null;
  let sent = ''; // pagehide and visibilitychange both fire on a close: send a body once
  const onHidden = () => {
    if (held && url && held.body !== sent) {
      sent = held.body;
      if (new Blob([held.body]).size <= 65_536 && typeof fetch === 'function') void sendBatch(held.body, { url, fetch: fetch.bind(globalThis), keepalive: true, compress: false });
      else beacon(url, held.body);
    }
    quiet(to.hidden());
  };
  const unwatch = watchLifecycle({ onHidden, onVisible: () => quiet(to.visible()), onOnline: () => quiet(to.online()) });
  if (webVitals) void observeVitals((name, id, value) => quiet(to.vital(name, id, value)), isActive);
  return { stop: unwatch, hold: (item) => { held = item; } };
}

