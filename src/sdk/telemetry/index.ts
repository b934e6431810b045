// createTelemetry: the recorder (on-device aggregation), batch building (privacy,
// sampling weight, drop counts) and delivery (queue, outbox, backoff, unload path)
// wired together behind the runtime's Telemetry hooks. Nothing starts until it is
// called; dispose() removes every timer and listener and is safe to call twice.
import { InferScopeError } from '../errors.js';
import { buildBatch } from './batch.js';
import { createClientInfo } from './client-info.js';
import { createDelivery } from './delivery.js';
import { watchLifecycle } from './lifecycle.js';
import { openOutbox } from './outbox.js';
import { createRecorder } from './recorder.js';
import type { Telemetry } from './types.js';
import { observeVitals } from './vitals.js';

export type { Telemetry, PredictionEvent, LoadEvent, CacheEvent, ExplanationEvent, DriftSpec } from './types.js';

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
}

const noop: Telemetry = {
  recordPrediction() {},
  recordLoad() {},
  recordCache() {},
  recordExplanation() {},
  sampleExplanation: () => false,
  async feedback() { return false; },
  async flush() {},
  async dispose() {},
};

function check(ok: boolean, what: string): void {
  if (!ok) throw new InferScopeError('TELEMETRY', `telemetry option ${what}`);
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

/**
 * The recorder behind `createClient({ telemetry })`. Returns no-op hooks when telemetry is
 * off or has no endpoint. Throws InferScopeError('TELEMETRY') for invalid options only;
 * after that, nothing it does throws into the page.
 * @example
 * const t = createTelemetry({ endpoint: '/v1/batches', appKey: 'pk_demo', sampleRate: 0.5 });
 * t.recordPrediction({ id, model: 'digits', version: '1', backend: 'wasm', variant: 'stable', ms: 1.2 });
 * await t.flush();
 */
export function createTelemetry(options?: TelemetryOptions | false): Telemetry {
  if (!options || !options.endpoint) return noop;
  const {
    endpoint, appKey, sampleRate = 1, flushIntervalMs = 30_000, maxBatchPredictions = 10_000, privacy = {},
    webVitals = true, explainSampleRate = 0, installId, maxQueueBatches = 32, outbox = {}, retry = {}, feedback = {},
    compress = true, requestTimeoutMs = 15_000, fetch, idbFactory,
  } = options;
  const { epsilon } = privacy;
  check(sampleRate > 0 && sampleRate <= 1, `sampleRate must be in (0, 1], got ${sampleRate}`);
  check(explainSampleRate >= 0 && explainSampleRate <= 1, `explainSampleRate must be in [0, 1], got ${explainSampleRate}`);
  check(flushIntervalMs >= 100, `flushIntervalMs must be >= 100, got ${flushIntervalMs}`);
  check(Number.isInteger(maxBatchPredictions) && maxBatchPredictions >= 1, `maxBatchPredictions must be an integer >= 1, got ${maxBatchPredictions}`);
  check(epsilon === undefined || (epsilon > 0 && epsilon <= 1000), `privacy.epsilon must be in (0, 1000], got ${epsilon}`);
  check(appKey === undefined || (appKey.length > 0 && appKey.length <= 128), 'appKey must be 1 to 128 characters');
  const url = endpointUrl(endpoint, appKey);

  const recorder = createRecorder({ sampleRate, feedback });
  const info = createClientInfo({ installId });
  void info.refresh();
  const delivery = createDelivery({
    url, fetch, maxQueueBatches, retry, compress, timeoutMs: requestTimeoutMs,
    outbox: openOutbox({ idbFactory, dbName: `inferscope-telemetry ${url}`, ...outbox }),
  });
  let disposed: Promise<void> | null = null;
  let sizeFlush = false;

  /** Close the current window into a serialized batch, or null when it is empty. */
  const nextItem = () => {
    const snap = recorder.take();
    if (!snap) return null;
    const t = Date.now();
    const batch = buildBatch(snap, { client: info.get(), sampleRate, epsilon, dropped: delivery.takeDropped(), now: t });
    return { id: batch.batchId, body: JSON.stringify(batch), at: t };
  };

  async function flush(): Promise<void> {
    try {
      await info.refresh();
      const item = nextItem();
      if (item) await delivery.send(item);
      await delivery.settled(); // batches an earlier (timer) flush handed over, too
      if (!delivery.backingOff) await delivery.drain();
    } catch {
      // Telemetry never rejects into the page; failures are counted in delivery.stats.
    }
  }

  const interval = setInterval(() => void flush(), flushIntervalMs);
  (interval as { unref?: () => void }).unref?.();
  const unwatch = watchLifecycle({
    onHidden: () => { try { delivery.sendOnUnload(nextItem()); } catch { /* never throw from a page event */ } },
    onVisible: () => delivery.resetUnload(),
  });
  if (webVitals) void observeVitals(recorder.recordVital, () => !disposed);

  return {
    recordPrediction(e) {
      if (disposed) return;
      recorder.recordPrediction(e);
      if (!sizeFlush && recorder.pending >= maxBatchPredictions) {
        sizeFlush = true; // flush outside predict's call stack
        setTimeout(() => { sizeFlush = false; void flush(); }, 0);
      }
    },
    recordLoad(e) { if (!disposed) recorder.recordLoad(e); },
    recordCache(e, n) { if (!disposed) recorder.recordCache(e, n); },
    recordExplanation(e) { if (!disposed) recorder.recordExplanation(e); },
    sampleExplanation: () => !disposed && explainSampleRate > 0 && Math.random() < explainSampleRate,
    async feedback(id, label) { return !disposed && recorder.feedback(id, label); },
    flush: () => (disposed ? disposed : flush()),
    dispose() {
      disposed ??= (async () => {
        clearInterval(interval);
        unwatch();
        await flush();
        delivery.dispose();
      })();
      return disposed;
    },
  };
}
