// Collector configuration: a JSON file (--config) and/or options, validated with
// messages that say which field is wrong and what to write instead.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CollectorError } from './errors.js';
import { validateReleases, type ReleasesConfig } from './releases/policy.js';

export interface AppConfig {
  id: string;
  /** Public ingest keys: they can write batches and nothing else. */
  keys: string[];
  /** Origins allowed to post from a browser ("https://shop.example"), or ["*"]. */
  origins: string[];
  /** Request budget per client (app key + client address; default 600 per 60 s, per replica). */
  rateLimit?: { max: number; windowSeconds: number };
}

export interface CollectorConfig {
  apps: AppConfig[];
  adminToken: string;
  port?: number;
  host?: string;
  /** SQLite file (default inferscope.sqlite); ignored when `postgres` is set. */
  db?: string;
  /** PostgreSQL connection URL: use it when several replicas share one database. */
  postgres?: string;
  /** Manifest path or URL, for drift baselines. */
  manifest?: string;
  /** Aggregates older than this are deleted (default 30). */
  retentionDays?: number;
  /**
   * Batch ids are remembered this long to count a replayed batch once (default 7, the SDK
   * outbox's longest retry horizon). The id table grows by one row per batch: rows = batches
   * per day x dedupeDays. A batch retried after the window would count twice.
   */
  dedupeDays?: number;
  /** Largest request body on the wire (default 256 KiB); decoded bodies may be 4x that. */
  bodyLimitBytes?: number;
  metrics?: { maxModels?: number; maxVersions?: number };
  /** Log threshold for the JSON-lines log on stdout (default warn; every 5xx is logged at error). */
  logLevel?: LogLevel;
  /** A request (headers and body) must arrive within this many ms, or it gets 408 and is closed (default 15000). */
  requestTimeoutMs?: number;
  /** On SIGTERM/SIGINT, in-flight requests get this many ms to finish before connections are cut (default 10000). */
  shutdownGraceMs?: number;
  /**
   * Addresses or CIDRs of reverse proxies whose X-Forwarded-For is believed (default none:
   * the TCP peer is the client). The client address only keys the rate limit; it is never stored.
   */
  trustProxy?: string[];
  /** Progressive delivery (releases/policy.ts); releases are managed only when this is set. */
  releases?: ReleasesConfig;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const CONFIG_FIELDS = ['apps', 'adminToken', 'port', 'host', 'db', 'postgres', 'manifest', 'retentionDays', 'dedupeDays', 'bodyLimitBytes', 'metrics', 'logLevel', 'requestTimeoutMs', 'shutdownGraceMs', 'trustProxy', 'releases'];
const APP_FIELDS = ['id', 'keys', 'origins', 'rateLimit'];

function fail(field: string, message: string): never {
  throw new CollectorError('CONFIG', 500, `collector config: ${field} ${message}`, { field });
}

/** Validate a parsed config object (adminToken may be omitted when `env` provides one). */
export function validateConfig(json: unknown, env: Record<string, string | undefined> = {}): CollectorConfig {
  if (!json || typeof json !== 'object' || Array.isArray(json)) fail('(root)', 'must be a JSON object like {"apps": [...], "adminToken": "..."}');
  const c = json as Record<string, unknown>;
  for (const k of Object.keys(c)) if (!CONFIG_FIELDS.includes(k)) fail(k, `is not a known field (known: ${CONFIG_FIELDS.join(', ')})`);
  const adminToken = (c.adminToken ?? (env.INFERSCOPE_ADMIN_TOKEN || undefined)) as unknown; // set but empty = unset
  if (typeof adminToken !== 'string' || adminToken.length < 16) fail('adminToken', 'must be a string of at least 16 characters (or set INFERSCOPE_ADMIN_TOKEN)');
  if (!Array.isArray(c.apps) || c.apps.length === 0) fail('apps', 'must be a non-empty array of {"id", "keys", "origins"}');
  const seenKeys = new Set<string>();
  const apps = c.apps.map((a: unknown, i: number): AppConfig => {
    const p = `apps[${i}]`;
    if (!a || typeof a !== 'object') fail(p, 'must be an object');
    const app = a as Record<string, unknown>;
    for (const k of Object.keys(app)) if (!APP_FIELDS.includes(k)) fail(`${p}.${k}`, `is not a known field (known: ${APP_FIELDS.join(', ')})`);
    if (typeof app.id !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(app.id)) fail(`${p}.id`, 'must be 1-64 letters, digits, . _ -');
    if (!Array.isArray(app.keys) || app.keys.length === 0 || app.keys.some((k) => typeof k !== 'string' || k.length < 8 || k.length > 128)) {
      fail(`${p}.keys`, 'must be a non-empty array of key strings (8-128 characters)');
    }
    for (const k of app.keys as string[]) {
      if (seenKeys.has(k)) fail(`${p}.keys`, `repeats key ${k.slice(0, 6)}…; every key belongs to one app`);
      if (k === adminToken) fail(`${p}.keys`, 'contains the admin token; ingest keys are public and must differ from it');
      seenKeys.add(k);
    }
    const origins = app.origins ?? ['*'];
    if (!Array.isArray(origins) || origins.some((o) => typeof o !== 'string' || (o !== '*' && !/^https?:\/\/[^/\s]+$/.test(o)))) {
      fail(`${p}.origins`, 'must be an array of origins like "https://shop.example" (scheme + host[:port], no path), or ["*"]');
    }
    let rateLimit: AppConfig['rateLimit'];
    if (app.rateLimit !== undefined) {
      const r = app.rateLimit as Record<string, unknown>;
      if (!r || typeof r !== 'object' || !(Number.isInteger(r.max) && (r.max as number) > 0) || !(typeof r.windowSeconds === 'number' && r.windowSeconds > 0)) {
        fail(`${p}.rateLimit`, 'must be {"max": <positive integer>, "windowSeconds": <positive number>}');
      }
      rateLimit = { max: r.max as number, windowSeconds: r.windowSeconds as number };
    }
    return { id: app.id, keys: app.keys as string[], origins: origins as string[], ...(rateLimit ? { rateLimit } : {}) };
  });
  if (new Set(apps.map((a) => a.id)).size !== apps.length) fail('apps', 'has two apps with the same id');
  const out: CollectorConfig = { apps, adminToken };
  if (c.port !== undefined) { if (!Number.isInteger(c.port) || (c.port as number) < 0 || (c.port as number) > 65535) fail('port', 'must be an integer 0-65535'); out.port = c.port as number; }
  for (const k of ['host', 'db', 'postgres', 'manifest'] as const) {
    if (c[k] !== undefined) { if (typeof c[k] !== 'string' || !(c[k] as string).length) fail(k, 'must be a non-empty string'); out[k] = c[k] as string; }
  }
  if (c.retentionDays !== undefined) { if (!(typeof c.retentionDays === 'number' && c.retentionDays > 0)) fail('retentionDays', 'must be a number of days > 0'); out.retentionDays = c.retentionDays; }
  if (c.dedupeDays !== undefined) { if (!(typeof c.dedupeDays === 'number' && c.dedupeDays > 0 && c.dedupeDays <= 366)) fail('dedupeDays', 'must be a number of days in (0, 366]'); out.dedupeDays = c.dedupeDays; }
  if (c.bodyLimitBytes !== undefined) { if (!(Number.isInteger(c.bodyLimitBytes) && (c.bodyLimitBytes as number) >= 1024)) fail('bodyLimitBytes', 'must be an integer >= 1024'); out.bodyLimitBytes = c.bodyLimitBytes as number; }
  if (c.metrics !== undefined) {
    const m = c.metrics as Record<string, unknown>;
    if (!m || typeof m !== 'object' || Object.keys(m).some((k) => !['maxModels', 'maxVersions'].includes(k) || !(Number.isInteger(m[k]) && (m[k] as number) > 0))) {
      fail('metrics', 'must be {"maxModels": <positive integer>, "maxVersions": <positive integer>}');
    }
    out.metrics = m as CollectorConfig['metrics'];
  }
  if (c.logLevel !== undefined) { if (!LOG_LEVELS.includes(c.logLevel as LogLevel)) fail('logLevel', `must be one of ${LOG_LEVELS.join(', ')}`); out.logLevel = c.logLevel as LogLevel; }
  for (const k of ['requestTimeoutMs', 'shutdownGraceMs'] as const) {
    if (c[k] !== undefined) { if (!(Number.isInteger(c[k]) && (c[k] as number) >= 100 && (c[k] as number) <= 600_000)) fail(k, 'must be an integer number of ms, 100-600000'); out[k] = c[k] as number; }
  }
  if (c.trustProxy !== undefined) {
    if (!Array.isArray(c.trustProxy) || c.trustProxy.length === 0 || c.trustProxy.some((a) => typeof a !== 'string' || !/^[0-9a-fA-F.:]+(\/\d{1,3})?$/.test(a))) {
      fail('trustProxy', 'must be a non-empty array of proxy addresses or CIDRs, like ["10.0.0.0/8", "127.0.0.1"]');
    }
    out.trustProxy = c.trustProxy as string[];
  }
  if (c.releases !== undefined) out.releases = validateReleases(c.releases);
  return out;
}

/** Read and validate a config file. */
export function loadConfigFile(path: string, env: Record<string, string | undefined> = process.env): CollectorConfig {
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch (err) {
    throw new CollectorError('CONFIG', 500, `cannot read collector config ${path}: ${(err as Error).message}`, { cause: err });
  }
  let json: unknown;
  try { json = JSON.parse(text); } catch (err) {
    throw new CollectorError('CONFIG', 500, `collector config ${path} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  return validateConfig(json, env);
}

/** Ingest key of the development app. Ingest keys are public by design, so a fixed one is safe. */
export const DEV_KEY = 'pk_dev_inferscope';

/** A one-app config for local development: any origin, the fixed DEV_KEY, a fresh admin token. */
export function developmentConfig(env: Record<string, string | undefined> = {}): CollectorConfig {
  return {
    apps: [{ id: 'dev', keys: [DEV_KEY], origins: ['*'] }],
    adminToken: env.INFERSCOPE_ADMIN_TOKEN || `adm_${randomBytes(24).toString('hex')}`,
  };
}
