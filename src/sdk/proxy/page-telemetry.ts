// Worker mode's page half of telemetry, in its own chunk: a page without telemetry never
// downloads it. Loaded before the worker starts, so init() carries what earlier pages stashed
// at unload (page-stash.ts) and the callback through which the worker keeps the page up to date
// with what an unload would lose; attach() starts the page-event forwarding once the worker runs.
import type { PageEvents, TelemetryOptions } from '../telemetry/options.js';
import type { PageInitArgs } from '../worker/wire.js';
import { forwardPageEvents, type PageEventTarget } from './forward-page-events.js';
import { readStash } from './page-stash.js';

type Hold = NonNullable<PageEvents['pending']>;

/** `telemetry`: the options as the worker gets them (absolute endpoint). */
export function pageTelemetry(telemetry: TelemetryOptions) {
  const stash = readStash(telemetry);
  // What the worker reports before attach(): kept for the forwarding to start from.
  let last: Parameters<Hold> | undefined;
  let to: Hold | undefined;
  const hold: Hold = (...a) => { last = a; to?.(...a); };
  return {
    // (start-worker.ts makes the functions callable from the worker)
    args: [hold, stash?.stash, stash?.release] as PageInitArgs,
    /** `url`: the collector URL init() answered (none: telemetry has no endpoint, nothing to forward). */
    attach(remote: PageEventTarget, url: string | undefined, isActive: () => boolean) {
      if (!url) return null;
      const events = forwardPageEvents(remote, { webVitals: telemetry.webVitals !== false, epsilon: telemetry.privacy?.epsilon, isActive, url });
      to = events.hold;
      if (last) to(...last);
      return events;
    },
  };
}
