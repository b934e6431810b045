// createTelemetry: the recorder (on-device aggregation), batch building (privacy,
// sampling weight, drop counts) and delivery (queue, outbox, backoff, unload path)
// wired together behind the runtime's Telemetry hooks. Nothing starts until it is
// called; dispose() removes every timer and listener and is safe to call twice.
import { buildBatch } from './batch.js';
import { createClientInfo } from './client-info.js';
import { createDelivery } from './delivery.js';
import { watchLifecycle } from './lifecycle.js';
import { openOutbox } from './outbox.js';
import { createRecorder, type RecorderSnapshot } from './recorder.js';
import { randomHex } from '../../protocol/random-hex.js';
import { checkTelemetryOptions, TELEMETRY_OFF, type TelemetryOptions } from './options.js';
import type { Telemetry } from './types.js';
import { stashKeyOf } from './unload-stash.js';
import { observeVitals } from './vitals.js';

export type { TelemetryOptions } from './options.js';
export type { Telemetry, PredictionEvent, LoadEvent, CacheEvent, ExplanationEvent, DriftSpec } from './types.js';

/**
 * The recorder behind `createClient({ telemetry })`. Returns no-op hooks when telemetry is
 * off or has no endpoint. Throws InferScopeError('TELEMETRY') for invalid options only;
 * after that, nothing it does throws into the page.
 * @example
 * const t = createTelemetry({ endpoint: '/v1/batches', appKey: 'pk_demo', sampleRate: 0.5 });
 * t.recordPrediction({ id, model: 'digits', version: '1', backend: 'wasm', variant: 'stable', ms: 1.2 });
 * await t.flush();
 */
/** `installIdFrom`: where the install id comes from when options.installId is not given (the client's delivery). */
export function createTelemetry(options?: TelemetryOptions | false, installIdFrom?: () => Promise<string>): Telemetry {
  if (!options || !options.endpoint) return TELEMETRY_OFF;
  const {
    sampleRate = 1, flushIntervalMs = 30_000, maxBatchPredictions = 10_000, privacy = {},
    webVitals = true, explainSampleRate = 0, installId, maxQueueBatches = 32, outbox = {}, retry = {}, feedback = {},
    compress = true, requestTimeoutMs = 15_000, fetch, idbFactory,
    pageEvents = { watch: watchLifecycle, vitals: observeVitals },
  } = options;
  const { epsilon } = privacy;
  const url = checkTelemetryOptions(options as TelemetryOptions & { endpoint: string });

  const recorder = createRecorder({ sampleRate, feedback });
  const info = createClientInfo({ installId: installId || installIdFrom });
  void info.refresh();
  const delivery = createDelivery({
    url, fetch, maxQueueBatches, retry, compress, timeoutMs: requestTimeoutMs,
    outbox: openOutbox({ idbFactory, dbName: `inferscope-telemetry ${url}`, ...outbox }),
    stashKey: stashKeyOf(url), handedStash: pageEvents.stash, onLooseChange: () => changed(),
  });
  let disposed: Promise<void> | null = null;
  let sizeFlush = false;

  // A window's batch id is drawn when the window opens. In worker mode the page keeps a copy of
  // the open window for its own unload send (pageEvents.pending, refreshed after every change);
  // the same id makes that copy and the batch cut here later one batch to the collector.
  let windowId = randomHex(16);
  const toItem = (snap: RecorderSnapshot, dropped: { queue: number; outbox: number }) => {
    const t = Date.now();
    const batch = buildBatch(snap, { client: info.get(), sampleRate, epsilon, dropped, now: t });
    batch.batchId = windowId;
    return { id: windowId, body: JSON.stringify(batch), at: t };
  };
  let mirroring = false;
  const changed = () => {
    if (!pageEvents.pending || mirroring) return;
    mirroring = true; // once per task, however many events it records
    queueMicrotask(() => {
      mirroring = false;
      try { const snap = recorder.peek(); pageEvents.pending!(snap && toItem(snap, { queue: 0, outbox: 0 }), recorder.countedVitals(), delivery.looseItems()); } catch { /* a copy only */ }
    });
  };

  /** Close the current window into a serialized batch, or null when it is empty. */
  const nextItem = () => {
    const snap = recorder.take();
    if (!snap) return null;
    const item = toItem(snap, delivery.takeDropped());
    windowId = randomHex(16);
    changed();
    return item;
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
  const unwatch = pageEvents.watch({
    onHidden: () => { try { delivery.sendOnUnload(nextItem()); } catch { /* never throw from a page event */ } },
    onVisible: () => delivery.resetUnload(),
    onOnline: () => delivery.online(),
    onStash: (stash) => delivery.adopt(stash),
  });
  if (webVitals) void pageEvents.vitals((name, id, value) => { recorder.recordVital(name, id, value); changed(); }, () => !disposed);

  return {
    recordPrediction(e) {
      if (disposed) return;
      recorder.recordPrediction(e);
      changed();
      if (!sizeFlush && recorder.pending >= maxBatchPredictions) {
        sizeFlush = true; // flush outside predict's call stack
        setTimeout(() => { sizeFlush = false; void flush(); }, 0);
      }
    },
    recordLoad(e) { if (!disposed) { recorder.recordLoad(e); changed(); } },
    recordCache(e, n) { if (!disposed) { recorder.recordCache(e, n); changed(); } },
    recordExplanation(e) { if (!disposed) { recorder.recordExplanation(e); changed(); } },
    sample: () => !disposed && recorder.sample(),
    sampleExplanation: () => !disposed && explainSampleRate > 0 && Math.random() < explainSampleRate,
    async feedback(id, label) { const ok = !disposed && recorder.feedback(id, label); if (ok) changed(); return ok; },
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
