// Where the collector is: /demo-config.json, written by the server (npm start / vite dev).
export interface DemoConfig {
  /** Collector base URL for telemetry (cross-origin ingest, as a real app would send it). */
  collectorUrl: string | null;
  /** Public ingest key of the collector's development app. */
  appKey: string;
}

export async function loadDemoConfig(): Promise<DemoConfig> {
  try {
    const res = await fetch('/demo-config.json', { cache: 'no-store' });
    if (res.ok) return (await res.json()) as DemoConfig;
  } catch { /* offline: telemetry stays in the SDK's outbox, reports are unavailable */ }
  return { collectorUrl: null, appKey: 'pk_dev_inferscope' };
}

/**
 * Call a collector route through the page's /collector/ proxy. Reports need no token here (the
 * demo server adds its own to GET report requests); admin routes take the token the person signed
 * in with, which the page keeps in sessionStorage and never receives from the server.
 */
export async function collectorGet<T>(config: DemoConfig, path: string, { method = 'GET', token }: { method?: 'GET' | 'POST'; token?: string } = {}): Promise<T> {
  if (!config.collectorUrl) throw new Error('no collector: start the page with `npm start`');
  const res = await fetch(`/collector${path}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {}, cache: 'no-store' });
  const body = await res.json() as T & { error?: { message: string } };
  if (!res.ok) throw Object.assign(new Error(`collector ${path}: HTTP ${res.status} ${body.error?.message ?? ''}`), { status: res.status });
  return body;
}
