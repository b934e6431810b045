// The attacker's audit (#16) is driven by the collector's route table: every route the
// collector registers has one entry here saying what it takes from outside (path parameters,
// query parameters, body) and who may call it. route-audit.test.ts sends each class of
// hostile input to each of those inputs, and fails when a route is registered without an
// entry (so a new route is audited as soon as it exists). Batch bodies are audited field by
// field in hostile-names, numbers, stored-privacy and error-shape.test.ts.
import { KEY_SHOP, makeBatch } from './helpers.js';

export type QueryKind =
  | { kind: 'time' }
  | { kind: 'int'; min: number; max: number }
  | { kind: 'text' }
  | { kind: 'key' };

export interface RouteSpec {
  /** Who may call it: the admin token, an ingest key, anyone. */
  auth: 'admin' | 'ingest' | 'public';
  /** Path parameters and a value that names something real. */
  params: Record<string, string>;
  /** Query parameters the route reads. */
  query: Record<string, QueryKind>;
  /** What the body is: none read, a telemetry batch, a release action ({reason}). */
  body: 'none' | 'batch' | 'action';
  /** Largest body in bytes, where one is read. */
  bodyLimit?: number;
  /** Statuses a well-formed request with valid credentials may get. */
  ok: number[];
  /** A valid body, where one is read. */
  validBody?: () => unknown;
  /** Query string a valid request carries (the ingest key). */
  validQuery?: string;
}

export const ROUTES: Record<string, RouteSpec> = {
  'POST /v1/batches': { auth: 'ingest', params: {}, query: { key: { kind: 'key' } }, body: 'batch', bodyLimit: 256 * 1024, ok: [200], validBody: () => makeBatch(), validQuery: `key=${KEY_SHOP}` },
  'GET /healthz': { auth: 'public', params: {}, query: {}, body: 'none', ok: [200] },
  'GET /v1/models': { auth: 'admin', params: {}, query: {}, body: 'none', ok: [200] },
  'GET /v1/models/:id/report': {
    auth: 'admin', params: { id: 'digits' }, body: 'none', ok: [200],
    query: { from: { kind: 'time' }, to: { kind: 'time' }, shortMinutes: { kind: 'int', min: 1, max: 400 * 1440 }, version: { kind: 'text' }, backend: { kind: 'text' }, app: { kind: 'text' } },
  },
  'GET /metrics': { auth: 'public', params: {}, query: {}, body: 'none', ok: [200] },
  'GET /v1/manifest': { auth: 'public', params: {}, query: {}, body: 'none', ok: [200] },
  'GET /v1/releases/:model': { auth: 'admin', params: { model: 'digits' }, query: { limit: { kind: 'int', min: 1, max: 1000 } }, body: 'none', ok: [200] },
  'POST /v1/releases/:model/:channel/:action': {
    auth: 'admin', params: { model: 'digits', channel: 'stable', action: 'pause' }, query: {}, body: 'action', bodyLimit: 4096,
    ok: [200, 409], validBody: () => ({ reason: 'checked by the on-call engineer' }),
  },
  'GET /favicon.ico': { auth: 'public', params: {}, query: {}, body: 'none', ok: [200] },
  'GET /': { auth: 'public', params: {}, query: {}, body: 'none', ok: [200] },
  'GET /assets/:name': { auth: 'public', params: { name: 'uplot.min.css' }, query: {}, body: 'none', ok: [200] },
};

/** The route table entries an audit covers: HEAD mirrors GET, OPTIONS * is the CORS preflight. */
export function auditedRoutes(routes: { method: string; url: string }[]): string[] {
  return [...new Set(routes.filter((r) => r.method !== 'HEAD' && !r.url.includes('*')).map((r) => `${r.method} ${r.url}`))].sort();
}

/** The URL of `key` with `params` (encoded) in place of its path parameters. */
export function pathOf(key: string, params: Record<string, string>): string {
  const url = key.slice(key.indexOf(' ') + 1);
  return url.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(params[name]!));
}
