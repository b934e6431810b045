// Telemetry that loads on demand. createClient() checks the options at once (bad options still
// throw there), but the recorder, batch builder, outbox and delivery code (about a third of the
// SDK, min+brotli) is a separate chunk fetched only when an endpoint is configured. Calls made
// while it loads are kept in order and replayed; if the chunk cannot load (offline, blocked),
// telemetry is off for this client and nothing throws into the page.
import { checkTelemetryOptions, TELEMETRY_OFF, type TelemetryOptions } from './options.js';
import type { Telemetry } from './types.js';

/** Calls kept while the telemetry chunk loads (a few ms in practice); later ones are dropped. */
const MAX_EARLY_CALLS = 10_000;

/**
 * The Telemetry hooks for `createClient({ telemetry })`: TELEMETRY_OFF without an endpoint,
 * otherwise a front that forwards to createTelemetry() once its chunk has loaded.
 * @example
 * const t = lazyTelemetry({ endpoint: '/v1/batches' }); // throws TELEMETRY on bad options
 * t.recordLoad(load); await t.flush(); // flush waits for the chunk, then sends
 */
export function lazyTelemetry(options?: TelemetryOptions | false, installIdFrom?: () => Promise<string>): Telemetry {
  if (!options || !options.endpoint) return TELEMETRY_OFF;
  checkTelemetryOptions(options as TelemetryOptions & { endpoint: string });
  const { sampleRate = 1, explainSampleRate = 0 } = options;
  let real: Telemetry | null = null;
  let early: ((t: Telemetry) => void)[] | null = [];
  let closed = false; // after dispose(), calls are ignored like the loaded telemetry ignores them
  const ready = import('./index.js').then(
    (m) => {
      const t = m.createTelemetry(options, installIdFrom);
      for (const call of early ?? []) call(t);
      early = null;
      return (real = t);
    },
    () => { early = null; return TELEMETRY_OFF; },
  );
  const call = (fn: (t: Telemetry) => void) => {
    if (closed) return;
    if (real) fn(real);
    else if (early && early.length < MAX_EARLY_CALLS) early.push(fn);
  };
  return {
    recordPrediction: (e) => call((t) => t.recordPrediction(e)),
    recordLoad: (e) => call((t) => t.recordLoad(e)),
    recordCache: (e, n) => call((t) => t.recordCache(e, n)),
    recordExplanation: (e) => call((t) => t.recordExplanation(e)),
    // Same draws as the loaded recorder would make, so early predictions are sampled alike.
    sample: () => (real?.sample ? real.sample() : sampleRate >= 1 || Math.random() < sampleRate),
    sampleExplanation: () => (real ? real.sampleExplanation() : explainSampleRate > 0 && Math.random() < explainSampleRate),
    feedback: async (id, label) => (await ready).feedback(id, label),
    flush: async () => (await ready).flush(),
    dispose: async () => { closed = true; return (await ready).dispose(); },
  };
}
