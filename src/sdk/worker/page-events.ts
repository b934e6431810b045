// The page's events as the worker sees them. A worker has no pagehide, no visibilitychange and
// no web-vitals; the page proxy (src/sdk/proxy/forward-page-events.ts) listens there and calls
// hidden() / visible() / vital() here, and telemetry subscribes through `pageEvents`.
import type { LifecycleHandlers } from '../telemetry/lifecycle.js';
import type { OutboxItem } from '../telemetry/outbox.js';
import type { HandedStash, Stash } from '../telemetry/unload-stash.js';
import type { PageEvents } from '../telemetry/options.js';
import type { VitalName } from '../telemetry/recorder.js';
import type { VitalSink } from '../telemetry/vitals.js';

export interface RelayedPageEvents extends PageEvents {
  hidden(): void;
  visible(): void;
  online(): void;
  vital(name: VitalName, id: string, value: number): void;
  /** Another page stashed batches at unload; the page read the stash (holding the drain lock) and
   *  hands it over: moved into the outbox here. Resolves the ids moved, for the page to unstash. */
  adopt(stash: Stash): Promise<string[]>;
}

/** `pending`: where the open telemetry window goes for the page to hold (worker mode);
 *  `stash`: the page's unload stash at start, for telemetry to move into the outbox. */
export function relayedPageEvents(pending?: PageEvents['pending'], stash?: HandedStash): RelayedPageEvents {
  const watchers = new Set<LifecycleHandlers>();
  const sinks = new Set<{ sink: VitalSink; isActive: () => boolean }>();
  return {
    pending,
    stash,
    watch(handlers) {
      watchers.add(handlers);
      return () => { watchers.delete(handlers); };
    },
    async vitals(sink, isActive) {
      sinks.add({ sink, isActive });
      return true;
    },
    hidden() { for (const h of watchers) h.onHidden(); },
    visible() { for (const h of watchers) h.onVisible(); },
    online() { for (const h of watchers) h.onOnline(); },
    vital(name, id, value) { for (const s of sinks) if (s.isActive()) s.sink(name, id, value); },
    async adopt(stash) {
      const ids: string[] = [];
      for (const h of watchers) ids.push(...(await h.onStash?.(stash) ?? []));
      return ids;
    },
  };
}
