// The page's state: one SDK client (recreated when the backend choice changes), the model it
// loaded, and what the panels need to know about it. Panels subscribe with onModel().
import { createClient, type BackendName, type BackendPolicy, type Client, type LoadProgress, type Model } from '../../src/index.js';
import type { DemoConfig } from './config.js';
import { MANIFEST_URL, type ModelChoice, type SampleSet } from './catalog.js';
import { droppedFetch } from './dropped.js';

export interface App {
  config: DemoConfig;
  /** fetch that telemetry uses (records what leaves the device). */
  telemetryFetch: typeof fetch;
  client: Client | null;
  model: Model | null;
  choice: ModelChoice | null;
  samples: SampleSet | null;
  loadMs: number | null;
  onModel(fn: (app: App) => void): void;
  /** Tell every panel a model was loaded (or unloaded). */
  changed(): void;
}

export function createApp(config: DemoConfig, telemetryFetch: typeof fetch): App {
  const listeners: ((app: App) => void)[] = [];
  const app: App = {
    config, telemetryFetch, client: null, model: null, choice: null, samples: null, loadMs: null,
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
}

export function makeClient(app: App, { backends, policy, telemetry, fallbackToCached = true }: ClientChoice): Client {
  const { collectorUrl, appKey } = app.config;
  return createClient({
    manifestUrl: MANIFEST_URL,
    backends,
    backendPolicy: policy,
    fallbackToCached,
    assetsUrl: '/inferscope/',
    fetch: droppedFetch,
    telemetry: telemetry && collectorUrl ? {
      endpoint: `${collectorUrl}/v1/batches`, appKey, fetch: app.telemetryFetch, flushIntervalMs: 10_000,
    } : false,
  });
}

/**
 * Load the chosen model on `client`, reporting progress. A dropped folder goes by the id the
 * person typed (`droppedId`, only when they opted in to telemetry) and its content version.
 */
export function loadChoice(client: Client, choice: ModelChoice, onProgress?: (p: LoadProgress) => void, droppedId = 'dropped-model'): Promise<Model> {
  if (choice.channel === null) return client.load({ url: choice.url!, id: droppedId, version: choice.dropped?.version ?? 'dropped', onProgress });
  return client.load(choice.id, { channel: choice.channel, onProgress });
}
