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
import { placeModel, type BackendPolicy } from './choose-backend.js';
import { InferScopeError, isInferScopeError } from './errors.js';
import { fetchModel } from './fetch-model.js';
import { createModel, type Model } from './model.js';
import { resolveLoadTarget, type IdLoadOptions, type LoadTarget, type UrlLoadOptions } from './resolve-target.js';
import { createTelemetry, type TelemetryOptions } from './telemetry/index.js';
import { createVerdictStore } from './verdict-store.js';

export interface ClientOptions {
  /** Backends in order of preference. Default ['webgpu', 'wasm', 'webgl', 'cpu']. */
  backends?: BackendName[];
  /** 'first-working' (default) or 'fastest': time the real model on each working backend, keep the best. */
  backendPolicy?: BackendPolicy;
  /** Folder (URL, or a file path in Node) holding tfjs's .wasm files. Default: tfjs's own lookup. */
  assetsUrl?: string;
  /** Give up on a backend whose initialization takes longer. Default 10000 ms. */
  initTimeoutMs?: number;
  /** Run the known-answer self-test on each backend before use. Default true. */
  selfTest?: boolean;
  /** Run the model once at load (compiles shaders, proves the backend runs it). Default true. */
  warmup?: boolean;
  /** Timed runs per backend for 'fastest' (after one warm-up). Default 5. */
  fastestRuns?: number;
  /** Classes in `top` for a single example. Default 3. */
  topK?: number;
  /** IndexedDB for remembered backend verdicts; false = memory only. Default globalThis.indexedDB. */
  idbFactory?: IDBFactory | false;
  /** fetch used for model and asset files. Default globalThis.fetch. */
  fetch?: typeof fetch;
  /** Manifest of models, versions and channels (needed to load by id). */
  manifestUrl?: string;
  telemetry?: TelemetryOptions | false;
  /** @internal test hooks */
  testHooks?: BackendTestHooks;
}

export interface Client {
  /** Load a model.json ({ url }) or a manifest model id. */
  load(target: UrlLoadOptions): Promise<Model>;
  load(id: string, options?: IdLoadOptions): Promise<Model>;
  /** Attach the true label to an earlier prediction. Resolves false if the id is unknown or expired. */
  feedback(predictionId: string, label: string): Promise<boolean>;
  flush(): Promise<void>;
  /** Dispose every model this client loaded and stop telemetry. Safe to call twice. */
  dispose(): Promise<void>;
}

/**
 * @example
 * const client = createClient({ assetsUrl: '/inferscope/' });
 * const model = await client.load({ url: '/models/digits/model.json' });
 * const { top } = await model.predict(imageData);
 */
export function createClient(options: ClientOptions = {}): Client {
  const {
    backends = [...DEFAULT_BACKENDS],
    backendPolicy = 'first-working',
    assetsUrl,
    initTimeoutMs = 10_000,
    selfTest = true,
    warmup = true,
    fastestRuns = 5,
    topK = 3,
    idbFactory,
    fetch: fetchFn = globalThis.fetch?.bind(globalThis),
    manifestUrl,
    telemetry: telemetryOptions,
    testHooks,
  } = options;
  assertBackendNames(backends);
  if (backendPolicy !== 'first-working' && backendPolicy !== 'fastest') {
    throw new InferScopeError('BACKEND_UNAVAILABLE', `backendPolicy must be 'first-working' or 'fastest'; got ${JSON.stringify(backendPolicy)}`);
  }
  const caps = detectCapabilities();
  const ctx = { caps, assetsUrl, initTimeoutMs, selfTest, fetch: fetchFn, hooks: testHooks };
  const readiness = new Map<BackendName, Promise<Readiness>>();
  const telemetry = createTelemetry(telemetryOptions);
  let verdicts: ReturnType<typeof createVerdictStore> | null = null;
  const models = new Set<Model>();
  let disposed = false;

  async function load(target: string | UrlLoadOptions, loadOptions: IdLoadOptions = {}): Promise<Model> {
    if (disposed) throw new InferScopeError('DISPOSED', 'this client was disposed; create a new one');
    const t0 = performance.now();
    const opts = typeof target === 'string' ? loadOptions : target;
    let resolved: LoadTarget | null = null;
    let bytes = 0;
    let fallbacks: { backend: BackendName; reason: string }[] = [];
    try {
      resolved = await resolveLoadTarget(target, loadOptions, { manifestUrl });
      const fetched = await fetchModel(resolved.url, { fetch: fetchFn, onProgress: opts.onProgress, signal: opts.signal });
      bytes = fetched.bytes;
      verdicts ??= createVerdictStore(idbFactory);
      const place = { ctx, readiness, warmup, specs: resolved.inputs };
      const verdictKey = `${resolved.id}@${resolved.version}|${backends.join(',')}`;
      const result = await placeModel(fetched.artifacts, backends, backendPolicy, { ...place, verdicts, verdictKey, runs: fastestRuns });
      fallbacks = result.fallbacks;
      if (!result.placement) {
        throw new InferScopeError('BACKEND_UNAVAILABLE', `no backend could run ${resolved.url}: ${fallbacks.map((f) => `${f.backend}: ${f.reason}`).join('; ')}`);
      }
      if (disposed) { result.placement.tfm.dispose(); throw new InferScopeError('DISPOSED', 'the client was disposed while loading'); }
      const model = createModel({
        target: resolved, artifacts: fetched.artifacts, placement: result.placement, place, telemetry, topK,
        onDispose: () => models.delete(model),
      });
      models.add(model);
      recordLoad(resolved, result.placement.backend, bytes, performance.now() - t0, fallbacks);
      return model;
    } catch (err) {
      const e = isInferScopeError(err) ? err : new InferScopeError('MODEL_INVALID', `loading failed: ${(err as Error)?.message}`, { cause: err });
      recordLoad(resolved, null, bytes, performance.now() - t0, fallbacks, e.code, typeof target === 'string' ? target : undefined);
      throw e;
    }
  }

  function recordLoad(t: LoadTarget | null, backend: BackendName | null, bytes: number, ms: number, fallbacks: { backend: BackendName; reason: string }[], error?: string, id?: string) {
    try {
      telemetry.recordLoad({
        model: t?.id ?? id ?? 'unknown', version: t?.version ?? 'unknown', variant: t?.variant ?? 'direct',
        backend, source: 'network', bytes, ms, fallbacks, error,
      });
    } catch { /* telemetry never throws into load */ }
  }

  return {
    load: load as Client['load'],
    feedback: (id, label) => telemetry.feedback(id, label),
    flush: () => telemetry.flush(),
    async dispose() {
      if (disposed) return;
      disposed = true;
      for (const m of [...models]) m.dispose();
      verdicts?.close();
      await telemetry.dispose();
    },
  };
}
