// Where the collector is: /demo-config.json, written by the server (npm start / vite dev).
export interface DemoConfig {
  /** Collector base URL for telemetry (cross-origin ingest, as a real app would send it). */
  collectorUrl: string | null;
  /** Public ingest key of the collector's development app. */
  appKey: string;
  /** Admin token, so the page can read reports through the same-origin /collector/ proxy. */
  adminToken: string | null;
}

export async function loadDemoConfig(): Promise<DemoConfig> {
  try {
    const res = await fetch('/demo-config.json', { cache: 'no-store' });
    if (res.ok) return (await res.json()) as DemoConfig;
  } catch { /* offline: telemetry stays in the SDK's outbox, reports are unavailable */ }
  return { collectorUrl: null, appKey: 'pk_dev_inferscope', adminToken: null };
}

/** GET a collector route through the page's /collector/ proxy, with the admin token. */
export async function collectorGet<T>(config: DemoConfig, path: string): Promise<T> {
  if (!config.collectorUrl || !config.adminToken) throw new Error('no collector: start the page with `npm start`');
  const res = await fetch(`/collector${path}`, { headers: { authorization: `Bearer ${config.adminToken}` }, cache: 'no-store' });
  const body = await res.json() as T & { error?: { message: string } };
  if (!res.ok) throw new Error(`collector ${path}: HTTP ${res.status} ${body.error?.message ?? ''}`);
  return body;
}
