// createClient(): the SDK entry. Loads models onto a verified backend, wires telemetry.
//
// Engine state: tfjs keeps one engine per page with one active backend. Each model remembers
// its own backend and every predict runs through a per-engine queue that switches the engine
// to that backend first (engine-gate.ts). So two clients, or two models, on different backends
// work side by side on one page; the cost is a backend switch (no data copy: weights stay on
// their backend) when consecutive predictions alternate. After any SDK call the engine is left
// on the backend last used, which matters only to code that uses tfjs directly on the page.
import type { BackendName } from '../protocol/wire-types.js';
import { assertBackendNames, DEFAULT_BACKENDS, type BackendTestHooks, type Readiness } from './backends.js';
import { detectCapabilities } from './capabilities.js';
import type { BackendPolicy, Fallback } from './choose-backend.js';
import { InferScopeError, isInferScopeError, type ErrorCode } from './errors.js';
import { loadPreprocess } from './image-input.js';
import { createModel, type Model } from './model.js';
import { isLoadTarget, resolveLoadTarget, type IdLoadOptions, type LoadTarget, type UrlLoadOptions } from './resolve-target.js';
import { lazyClient } from './proxy/lazy-client.js';
import { lazyTelemetry } from './telemetry/lazy.js';
import type { TelemetryOptions } from './telemetry/options.js';
import type { VerdictStore } from './verdict-store.js';
import type { PassStore } from './self-test-memory.js';
import { createDelivery, type CachedModel, type DeliveryEvent, type LoadProgress } from './delivery/index.js';
import { createChannels } from './delivery/channels.js';
import type { VersionRef } from './delivery/types.js';

export interface ClientOptions {
  /** Backends in order of preference. Default ['webgpu', 'wasm', 'webgl', 'cpu']. */
  backends?: BackendName[];
  /** 'auto' (default): serve on the first working backend, time the others in idle time and move
   *  later predictions to the fastest. 'first-working': stay there. 'fastest': time every working
   *  backend before load() resolves. 'auto' and 'fastest' remember the winner per device and version. */
  backendPolicy?: BackendPolicy;
  /** Folder (URL, or a file path in Node) holding tfjs's .wasm files. Default: tfjs's own lookup. */
  assetsUrl?: string;
  /** Give up on a backend whose initialization takes longer. Default 10000 ms. */
  initTimeoutMs?: number;
  /** Run the known-answer self-test on each backend before use. Default true. */
  selfTest?: boolean;
  /** Run the model once at load (compiles shaders, proves the backend runs it). Default true. Not on cpu: nothing to compile, and its first prediction costs what a warm-up would. */
  warmup?: boolean;
  /** Timed runs per backend for 'fastest' and 'auto' (after one warm-up). Default 5. */
  fastestRuns?: number;
  /** Classes in `top` for a single example. Default 3. */
  topK?: number;
  /** IndexedDB for remembered backend verdicts; false = memory only. Default globalThis.indexedDB. */
  idbFactory?: IDBFactory | false;
  /** fetch used for model and asset files. Default globalThis.fetch. */
  fetch?: typeof fetch;
  /** Manifest of models, versions and channels (needed to load by id). */
  manifestUrl?: string;
  /** Revalidate the manifest (If-None-Match) at most this often, across page loads too. Default 300000 ms. */
  manifestMaxAgeMs?: number;
  /** A manifest or model fetch that gets no response headers, or no body bytes, for this long fails with NETWORK (and the load takes its fallbacks). Default 30000 ms. */
  stallTimeoutMs?: number;
  /** Model cache in IndexedDB (content-addressed, LRU). Default { maxBytes: 200e6 }; false = network only. */
  cache?: { maxBytes?: number; idbFactory?: IDBFactory } | false;
  /** Ask the browser to keep the cache under storage pressure (navigator.storage.persist()). Default false. */
  persist?: boolean;
  /** A fresh page whose channel version fails (integrity, network, HTML for a shard) runs the last verified cached version of the model, with a `last-good-fallback` event. false: fail instead (apps that must never run an older version). Default true. */
  fallbackToCached?: boolean;
  /** Degraded paths delivery took (last good manifest, cache unavailable, candidate fallback, eviction). */
  onDeliveryEvent?: (event: DeliveryEvent) => void;
  telemetry?: TelemetryOptions | false;
  /** Run tfjs, delivery, telemetry and explain in a module worker; the page keeps a thin proxy with
   *  the same API. true = the worker file shipped beside the SDK; or its URL, or a Worker you made
   *  (CSP-strict apps, bundlers). Default false. See README "Worker mode". */
  worker?: boolean | string | URL | Worker;
  /** When the worker cannot start: true (default) runs in direct mode and emits a
   *  'worker-unavailable' delivery event; false rejects calls with WORKER_UNAVAILABLE. */
  workerFallback?: boolean;
  /** @internal test hooks */
  testHooks?: BackendTestHooks;
  /** @internal set by the worker (src/sdk/worker/host.ts): start the first backend now, not at the first load. */
  startBackend?: boolean;
  /** @internal set by the worker: the page's copy of its localStorage entries the SDK keeps (worker/worker-passes.ts):
   *  remembered self-test passes and last-version hints. */
  pageStore?: PassStore;
}

export interface Client {
  /** Load a model.json ({ url }) or a manifest model id. */
  load(target: UrlLoadOptions): Promise<Model>;
  load(id: string, options?: IdLoadOptions): Promise<Model>;
  /** Model versions stored in the cache, most recently used first, with bytes. */
  cached(): Promise<CachedModel[]>;
  /** Remove one cached version, or every version of `id`; resolves how many. Running models keep running. */
  evict(id: string, version?: string): Promise<number>;
  /** Attach the true label to an earlier prediction. Resolves false if the id is unknown or expired. */
  feedback(predictionId: string, label: string): Promise<boolean>;
  flush(): Promise<void>;
  /** Dispose every model this client loaded and stop telemetry. Safe to call twice. */
  dispose(): Promise<void>;
}

const gone = () => new InferScopeError('DISPOSED', 'this client was disposed; create a new one');

/**
 * @example
 * const client = createClient({ assetsUrl: '/inferscope/' });
 * const model = await client.load({ url: '/models/digits/model.json' });
 * const { top } = await model.predict(imageData);
 */
export function createClient(options: ClientOptions = {}): Client {
  if (options.worker) return lazyClient(import('./proxy/worker-client.js').then((m) => m.createWorkerClient(options, createClient)));
  const {
    backends = [...DEFAULT_BACKENDS],
    backendPolicy = 'auto',
    assetsUrl,
    initTimeoutMs = 10_000,
    selfTest = true,
    warmup = true,
    fastestRuns = 5,
    topK = 3,
    idbFactory,
    fetch: fetchFn = globalThis.fetch?.bind(globalThis),
    manifestUrl,
    manifestMaxAgeMs = 300_000,
    stallTimeoutMs,
    cache = {},
    persist = false,
    fallbackToCached = true,
    onDeliveryEvent,
    telemetry: telemetryOptions,
    testHooks,
  } = options;
  assertBackendNames(backends);
  if (!['auto', 'first-working', 'fastest'].includes(backendPolicy)) {
    throw new InferScopeError('BACKEND_UNAVAILABLE', `backendPolicy must be 'auto', 'first-working' or 'fastest'; got ${JSON.stringify(backendPolicy)}`);
  }
  const caps = detectCapabilities();
  const ctx = { caps, assetsUrl, initTimeoutMs, selfTest, remember: idbFactory !== false && (options.pageStore ?? true), fetch: fetchFn, hooks: testHooks };
  const readiness = new Map<BackendName, Promise<Readiness>>();
  // In worker mode the first backend (import, init, self-test) starts with the client: off the
  // page's main thread, so the app's own start-up before load() pays for it instead of the load.
  // The order and the start live in the placement chunk (place.ts), like load()'s own early start.
  if (options.startBackend) import('./place.js').then((m) => m.prestart(backendPolicy, backends, ctx, readiness), () => {});
  // Its code loads only when an endpoint is set. The install id it hashes is delivery's (one id
  // for rollout buckets and telemetry); called only after the telemetry chunk has loaded.
  const telemetry = lazyTelemetry(telemetryOptions, () => delivery.installId());
  let verdicts: VerdictStore | undefined; // 'auto' and 'fastest'
  const models = new Set<Model>();
  let disposed = false;
  const delivery = createDelivery({
    // Resolved against the page once: errors and stored keys name the same URL in both modes
    // (worker mode resolves it before it crosses, or it would resolve against the worker script).
    manifestUrl: manifestUrl && caps.hasLocation && URL.canParse(manifestUrl, location.href) ? new URL(manifestUrl, location.href).href : manifestUrl, manifestMaxAgeMs, stallTimeoutMs, persist, fetch: fetchFn, telemetry, onEvent: onDeliveryEvent, installId: telemetryOptions ? telemetryOptions.installId : undefined, hints: options.pageStore,
    cache: cache === false || (idbFactory === false && !cache.idbFactory) ? false : { ...cache, idbFactory: cache.idbFactory ?? (idbFactory || undefined) },
  });
  const channels = createChannels({
    delivery, manifestMaxAgeMs,
    loadVersion: (id, channel, opts, update) => loadVersion(id, { ...opts, channel }, !update && fallbackToCached),
  });

  // The messages live in a lazy chunk (only failing loads need them). If that chunk cannot be
  // fetched (offline, or gone after a deploy), the caller still gets the code it branches on.
  const loadError = (pick: (m: typeof import('./load-errors.js')) => InferScopeError, code: ErrorCode, message: string) =>
    import('./load-errors.js').then(pick, () => new InferScopeError(code, message));

  async function load(target: string | UrlLoadOptions, loadOptions: IdLoadOptions = {}): Promise<Model> {
    if (disposed) throw gone();
    if (!isLoadTarget(target)) throw await loadError((m) => m.loadTargetError(target), 'MODEL_NOT_FOUND', "call client.load('id') or client.load({ url })");
    return typeof target === 'string' ? channels.load(target, loadOptions.channel ?? 'stable', loadOptions) : loadVersion(target, loadOptions);
  }

  // A manifest version's specs (the caller's inputs/outputs override them).
  const targetOf = (ref: VersionRef, opts: IdLoadOptions): LoadTarget => ({
    id: ref.id, version: ref.version, variant: ref.variant, url: ref.url, format: ref.entry?.format,
    inputs: opts.inputs ?? ref.entry?.inputs, outputs: opts.outputs ?? ref.entry?.outputs, baseline: ref.entry?.baseline, allowNonFinite: opts.allowNonFinite,
  });

  // One version: delivery (manifest, cache, integrity, rollout) hands verified artifacts to
  // placement; a rollout candidate that fails either step falls back to stable inside delivery.load.
  async function loadVersion(target: string | UrlLoadOptions, loadOptions: IdLoadOptions = {}, lastGood = false): Promise<Model> {
    const t0 = performance.now();
    const byId = typeof target === 'string';
    const opts = byId ? loadOptions : target;
    const progress = opts.onProgress as ((p: LoadProgress) => void) | undefined;
    let resolved: LoadTarget | null = null;
    let bytes = 0;
    let source: 'network' | 'cache' = 'network';
    let fallbacks: Fallback[] = [];
    const recordLoad = (backend: BackendName | null, error?: string, candidateFallback?: string) => {
      try {
        telemetry.recordLoad({
          model: resolved?.id ?? (byId ? target : 'unknown'), version: resolved?.version ?? 'unknown', variant: resolved?.variant ?? 'direct',
          backend, source, bytes, ms: performance.now() - t0, fallbacks, error, candidateFallback,
        });
      } catch { /* telemetry never throws into load */ }
    };
    // Placement by policy (backend order, verdicts, timing) is a lazy chunk, fetched now: it starts
    // the first backend while delivery reads the model bytes. Unreachable (offline, or gone after a
    // deploy): load() rejects with NETWORK, not the import's TypeError.
    const placing = import('./place.js').catch((cause) => { throw new InferScopeError('NETWORK', `loading failed: ${cause}`, { cause }); });
    placing.then((m) => m.prestart(backendPolicy, backends, ctx, readiness, delivery.opened()), () => {});
    try {
      const direct = byId ? null : resolveLoadTarget(target);
      const delivered = await delivery.load(direct ? { url: direct.url } : { id: target as string, channel: loadOptions.channel }, async (fetched) => {
        resolved = direct ?? targetOf(fetched.ref, opts);
        bytes = fetched.downloaded;
        source = fetched.source;
        progress?.({ phase: 'compile', source, loaded: 0, total: 1 });
        const place = { ctx, readiness, warmup, specs: resolved.inputs };
        const result = await (await placing).placeBy(backendPolicy, fetched.artifacts, {
          ...place, id: resolved.id, version: resolved.version, backends, runs: fastestRuns, emit: delivery.emit,
          verdicts: (make) => (verdicts ??= make(idbFactory)),
        });
        fallbacks = result.fallbacks;
        if (!result.placement) { const url = resolved.url; throw await loadError((m) => m.noBackendError(url, fallbacks), 'BACKEND_UNAVAILABLE', `no backend could run ${url}`); }
        if (disposed) { result.placement.tfm.dispose(); throw new InferScopeError('DISPOSED', 'the client was disposed while loading'); }
        progress?.({ phase: 'warmup', source, loaded: 1, total: 1 });
        await loadPreprocess(resolved.inputs);
        const model = createModel({
          target: resolved, artifacts: fetched.artifacts, placement: result.placement, place, telemetry, topK,
          onDispose: () => { models.delete(model); channels.forget(model); },
          afterFirst: result.afterFirst,
        });
        return model;
      }, { onProgress: progress, signal: opts.signal, fallbackToCached: lastGood });
      const model = delivered.value;
      models.add(model);
      recordLoad(model.backend, undefined, delivered.candidateFallback);
      return model;
    } catch (err) {
      const e = isInferScopeError(err) ? err : new InferScopeError('MODEL_INVALID', `loading failed: ${(err as Error)?.message}`, { cause: err });
      recordLoad(null, e.code);
      throw e;
    }
  }

  // After dispose() the cache connection is closed (and in worker mode the worker gone): say so.
  const ifLive = <T>(run: () => Promise<T>) => (disposed ? Promise.reject(gone()) : run());
  return {
    load: load as Client['load'],
    cached: () => ifLive(() => delivery.cached()),
    evict: (id, version) => ifLive(() => delivery.evict(id, version)),
    feedback: (id, label) => telemetry.feedback(id, label),
    flush: () => telemetry.flush(),
    async dispose() {
      if (disposed) return;
      disposed = true;
      for (const m of [...models]) m.dispose();
      verdicts?.close();
      await delivery.dispose();
      await telemetry.dispose();
    },
  };
}
