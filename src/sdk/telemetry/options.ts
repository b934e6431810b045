// Telemetry options and their synchronous check. Kept apart from the recorder so that
// createClient() can reject bad options at once while the telemetry code itself loads
// lazily (telemetry/lazy.ts), and so a page without an endpoint never downloads it.
import { InferScopeError } from '../errors.js';
import type { LifecycleHandlers } from './lifecycle.js';
import type { OutboxItem } from './outbox.js';
import type { HandedStash } from './unload-stash.js';
import type { Telemetry } from './types.js';
import type { VitalSink } from './vitals.js';

/** Telemetry options (`createClient({ telemetry })`). Only `endpoint` is needed to start. */
export interface TelemetryOptions {
  /** Collector URL, e.g. 'https://collector.example/v1/batches'. Without it nothing is recorded or sent. */
  endpoint?: string;
  /** Public ingest key; sent as `?key=` in the URL (so sendBeacon works), never in a header. */
  appKey?: string;
  /** Fraction of predictions recorded, 0 < r <= 1 (default 1). Sent with each batch so the collector scales counts. */
  sampleRate?: number;
  /** A batch leaves at least this often while there is something to send (default 30,000 ms). */
  flushIntervalMs?: number;
  /** A batch also leaves once this many predictions are aggregated (default 10,000). */
  maxBatchPredictions?: number;
  /** Local differential privacy: Laplace(0, 1/epsilon) noise on every count (default: off). */
  privacy?: { epsilon?: number };
  /** Observe the host page's LCP, INP, CLS, FCP, TTFB (default true; window contexts only). */
  webVitals?: boolean;
  /** Fraction of predictions an explanation is computed for, for aggregate importance (default 0). */
  explainSampleRate?: number;
  /** Random install id shared with rollout bucketing; default: one kept in localStorage. Sent only hashed with a daily salt. */
  installId?: string;
  /** Batches waiting in memory for their first send (default 32; oldest dropped and counted). */
  maxQueueBatches?: number;
  /** IndexedDB outbox bounds (defaults: 200 batches, 1 MiB, 7 days; oldest dropped and counted). */
  outbox?: { maxBatches?: number; maxBytes?: number; maxAgeMs?: number };
  /** Retry backoff (defaults: 1 s doubling to 5 min, equal jitter; Retry-After honoured up to 1 h). */
  retry?: { baseMs?: number; maxMs?: number; maxRetryAfterMs?: number };
  /** Feedback join state (defaults: 5,000 predictions, 24 h). */
  feedback?: { maxEntries?: number; ttlMs?: number };
  /** gzip request bodies with CompressionStream where available (default true). */
  compress?: boolean;
  /** Per-request timeout (default 15,000 ms). */
  requestTimeoutMs?: number;
  /** Injected for tests and non-browser runtimes. */
  fetch?: typeof fetch;
  /** IndexedDB factory for the outbox (default: globalThis.indexedDB; memory when absent). */
  idbFactory?: IDBFactory;
  /** @internal Where page events come from when telemetry runs off the page (worker mode: the
   *  page proxy forwards pagehide/visibilitychange and web-vitals reports). Default: this realm's own. */
  pageEvents?: PageEvents;
}

/** @internal The page's lifecycle and web-vitals, for a telemetry that may not run on the page. */
export interface PageEvents {
  watch(handlers: LifecycleHandlers): () => void;
  vitals(sink: VitalSink, isActive: () => boolean): Promise<boolean>;
  /** Worker mode: the open window as a batch (null when empty), after each change, for the page
   *  to send itself at unload: a worker may be stopped before it hears of the page's pagehide.
   *  `countedVitals`: vital ids in closed windows (the page adds the others it saw at hide);
   *  `loose`: closed batches not yet delivered nor in the outbox, which the page sends too. */
  pending?(item: OutboxItem | null, countedVitals: string[], loose: OutboxItem[]): void;
  /** Worker mode: the page's unload stash at start, moved into the outbox here (see unload-stash.ts). */
  stash?: HandedStash;
}

/** What the runtime gets when telemetry is off or has no endpoint. */
export const TELEMETRY_OFF: Telemetry = {
  recordPrediction() {},
  recordLoad() {},
  recordCache() {},
  recordExplanation() {},
  sample: () => false,
  sampleExplanation: () => false,
  async feedback() { return false; },
  async flush() {},
  async dispose() {},
};

function check(ok: boolean, what: string): void {
  if (!ok) throw new InferScopeError('TELEMETRY', `telemetry option ${what}`);
}

/**
 * Checks every option that can be wrong and returns the collector URL (with `?key=`).
 * Throws InferScopeError('TELEMETRY') naming the option and the accepted range.
 */
export function checkTelemetryOptions(options: TelemetryOptions & { endpoint: string }): string {
  const { endpoint, appKey, sampleRate = 1, flushIntervalMs = 30_000, maxBatchPredictions = 10_000, privacy = {}, explainSampleRate = 0 } = options;
  const { epsilon } = privacy;
  check(sampleRate > 0 && sampleRate <= 1, `sampleRate must be in (0, 1], got ${sampleRate}`);
  check(explainSampleRate >= 0 && explainSampleRate <= 1, `explainSampleRate must be in [0, 1], got ${explainSampleRate}`);
  check(flushIntervalMs >= 100, `flushIntervalMs must be >= 100, got ${flushIntervalMs}`);
  check(Number.isInteger(maxBatchPredictions) && maxBatchPredictions >= 1, `maxBatchPredictions must be an integer >= 1, got ${maxBatchPredictions}`);
  check(epsilon === undefined || (epsilon > 0 && epsilon <= 1000), `privacy.epsilon must be in (0, 1000], got ${epsilon}`);
  check(appKey === undefined || (appKey.length > 0 && appKey.length <= 128), 'appKey must be 1 to 128 characters');
  return endpointUrl(endpoint, appKey);
}

function endpointUrl(endpoint: string, appKey?: string): string {
  let url: URL;
  try {
    url = new URL(endpoint, (globalThis as { location?: { href: string } }).location?.href);
  } catch (cause) {
    throw new InferScopeError('TELEMETRY', `telemetry.endpoint ${JSON.stringify(endpoint)} is not a URL; pass e.g. 'https://collector.example/v1/batches'`, { cause });
  }
  if (appKey) url.searchParams.set('key', appKey);
  return url.href;
}
