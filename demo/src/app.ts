// The page's state: one SDK client (recreated when the backend choice changes), the model it
// loaded, and what the panels need to know about it. Panels subscribe with onModel().
import { createClient, type BackendName, type BackendPolicy, type Client, type LoadProgress, type Model } from '../../src/index.js';
import type { DemoConfig } from './config.js';
import { MANIFEST_URL, type ModelChoice, type SampleSet } from './catalog.js';
import { startDemoWorker } from './demo-worker-link.js';
import { droppedFetch } from './dropped.js';
import type { SentBatch } from './telemetry-capture.js';

export interface App {
  config: DemoConfig;
  /** fetch that telemetry uses (records what leaves the device). */
  telemetryFetch: typeof fetch;
  /** Show a batch the SDK sent (called by telemetryFetch, or by the worker in worker mode). */
  recordBatch(b: SentBatch): void;
  /** The "run in a worker" switch: new clients run the SDK in a module worker. */
  inWorker: boolean;
  client: Client | null;
  model: Model | null;
  choice: ModelChoice | null;
  samples: SampleSet | null;
  loadMs: number | null;
  onModel(fn: (app: App) => void): void;
  /** Tell every panel a model was loaded (or unloaded). */
  changed(): void;
}

export function createApp(config: DemoConfig, recordBatch: (b: SentBatch) => void, telemetryFetch: typeof fetch): App {
  const listeners: ((app: App) => void)[] = [];
  const app: App = {
    config, telemetryFetch, recordBatch, inWorker: false, client: null, model: null, choice: null, samples: null, loadMs: null,
    onModel: (fn) => { listeners.push(fn); },
    changed: () => { for (const fn of listeners) fn(app); },
  };
  return app;
}

export interface ClientChoice {
  backends: BackendName[];
  policy: BackendPolicy;
  /** Send telemetry to the collector (the main client does; comparison clients do not). */
  telemetry: boolean;
  /** Let the SDK run an older cached version when this one cannot load (default true). */
  fallbackToCached?: boolean;
  /** Hears when it did: `failed` could not load (`reason`: "CODE: message"), cached `version` runs. */
  onLastGood?: (e: { failed: string; version: string; reason: string }) => void;
  /** Hears the verdict of policy "auto"'s idle pass: `from` is set when it moved the model. */
  onTimed?: (t: Timed) => void;
}

/** What policy "auto" measured in idle time (ms per prediction on the real model) and where it went. */
export interface Timed { from?: BackendName; to: BackendName; timings: Partial<Record<BackendName, number>> }

/** Where a client's SDK runs, as its delivery events tell (worker-started / worker-unavailable). */
export interface Where { inWorker: boolean; note: string }

/**
 * A client on the page, or in a worker when the switch is on. In worker mode the two fetch
 * functions stay out of the options (a function cannot cross into a worker): the demo's worker
 * script has its own that do the same jobs (demo-worker.ts). `onWhere` hears where it runs.
 */
export function makeClient(app: App, { backends, policy, telemetry, fallbackToCached = true, onLastGood, onTimed }: ClientChoice, onWhere?: (w: Where) => void): Client {
  const { collectorUrl, appKey } = app.config;
  const inWorker = app.inWorker;
  const client = createClient({
    manifestUrl: MANIFEST_URL,
    backends,
    backendPolicy: policy,
    fallbackToCached,
    assetsUrl: '/inferscope/',
    ...(inWorker ? { worker: startDemoWorker(app.recordBatch) } : { fetch: droppedFetch }),
    onDeliveryEvent: (e) => {
      if (e.type === 'worker-started') onWhere?.({ inWorker: true, note: 'in a worker: tfjs, downloads, hashing and telemetry run off the main thread' });
      if (e.type === 'worker-unavailable') onWhere?.({ inWorker: false, note: `on the main thread: the worker did not start (${e.reason})` });
      if (e.type === 'last-good-fallback') onLastGood?.(e);
      if (e.type === 'backend-switched') onTimed?.({ from: e.from, to: e.to, timings: e.timings });
      if (e.type === 'backend-timed') onTimed?.({ to: e.backend, timings: e.timings });
    },
    telemetry: telemetry && collectorUrl ? {
      endpoint: `${collectorUrl}/v1/batches`, appKey, flushIntervalMs: 10_000, ...(inWorker ? {} : { fetch: app.telemetryFetch }),
    } : false,
  });
  if (!inWorker) onWhere?.({ inWorker: false, note: 'on the main thread (direct mode)' });
  return client;
}

/**
 * Load the chosen model on `client`, reporting progress. A dropped folder goes by the id the
 * person typed (`droppedId`, only when they opted in to telemetry) and its content version.
 */
export function loadChoice(client: Client, choice: ModelChoice, onProgress?: (p: LoadProgress) => void, droppedId = 'dropped-model'): Promise<Model> {
  if (choice.channel === null) return client.load({ url: choice.url!, id: droppedId, version: choice.dropped?.version ?? 'dropped', onProgress });
  return client.load(choice.id, { channel: choice.channel, onProgress });
}
