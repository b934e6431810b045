// POST /v1/batches: authenticate the app key (URL ?key= or body appKey, so sendBeacon
// works; given once, see credentials.ts), check the Origin against the app, rate-limit per key, validate strictly,
// and answer only after the batch is durably merged.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { validateBatch } from '../protocol/wire.js';
import { batchRows } from './aggregate.js';
import type { AppConfig } from './config.js';
import { CollectorError } from './errors.js';
import { ingestKey } from './credentials.js';
import type { Metrics } from './metrics.js';
import type { NamePolicy } from './name-policy.js';
import type { Writer } from './writer.js';
import { sha256 } from './client-key.js';
import { createRateLimiter, longDuration } from './rate-limit.js';

export interface IngestDeps {
  keys: Map<string, AppConfig>;
  writer: Writer;
  metrics: Metrics;
  defaultRateLimit: { max: number; windowSeconds: number };
  /** Rate-limit key of one client (app key + address, hashed); see client-key.ts. */
  clientKey: (appKey: string, address: string) => string;
  /** Which names are stored as sent, which fold into "other". */
  names: NamePolicy;
  now?: () => number;
}

declare module 'fastify' {
  interface FastifyRequest { inferscopeApp?: AppConfig; inferscopeKey?: string; inferscopeOutcome?: string }
}

export function originAllowed(app: AppConfig, origin: string | undefined): boolean {
  return origin === undefined || app.origins.includes('*') || app.origins.includes(origin);
}

const OUTCOME_BY_STATUS: Record<number, string> = { 400: 'invalid', 401: 'unauthorized', 403: 'forbidden_origin', 413: 'too_large', 415: 'unsupported', 429: 'rate_limited' };

/** Batch ids are client text too: only a hash is stored (it deduplicates just as well). */
export const storedBatchId = (batchId: string) => sha256(batchId).slice(0, 32);

// The body of a 200 answer, built without a serializer pass (batch ids are [A-Za-z0-9_-]).
const okBody = (batchId: string, counted: boolean) => `{"ok":true,"batchId":"${batchId}","counted":${counted}}`;

export function registerIngest(app: FastifyInstance, deps: IngestDeps): void {
  const { keys, writer, metrics, defaultRateLimit, clientKey, names, now = Date.now } = deps;
  const limitOf = (req: FastifyRequest) => req.inferscopeApp?.rateLimit ?? defaultRateLimit;
  const limit = createRateLimiter();
  // One counter cell per outcome, looked up once instead of per request.
  const outcomes = new Map<string, { value: number }>();
  const countOutcome = (status: string) => {
    let c = outcomes.get(status);
    if (!c) outcomes.set(status, (c = metrics.cell('inferscope_ingest_batches_total', { status })));
    c.value++;
  };

  // Hooks are plain callbacks (no async): each async hook costs promise hops per request.
  app.post('/v1/batches', {
    preValidation: (req, _reply, done) => {
      const key = ingestKey(req); // each credential once, all agreeing (credentials.ts)
      if (!key) throw new CollectorError('UNAUTHORIZED', 401, 'missing app key: add ?key=<ingest key> to the URL or "appKey" to the batch');
      const appCfg = keys.get(key);
      if (!appCfg) throw new CollectorError('UNAUTHORIZED', 401, 'unknown app key; check the key in your telemetry options against the collector config');
      const origin = req.headers.origin;
      if (!originAllowed(appCfg, typeof origin === 'string' ? origin : undefined)) {
        throw new CollectorError('FORBIDDEN_ORIGIN', 403, `origin ${origin} is not allowed for app ${appCfg.id}; add it to the app's "origins" in the collector config`);
      }
      req.inferscopeApp = appCfg;
      req.inferscopeKey = key;
      done();
    },
    // Per client, not per app key: one client exhausting its budget must not 429 the others.
    preHandler: (req, reply, done) => {
      const { max, windowSeconds } = limitOf(req);
      const v = limit(reply, clientKey(req.inferscopeKey ?? 'anonymous', req.ip), max, windowSeconds * 1000);
      if (v.exceeded) throw new CollectorError('RATE_LIMITED', 429, `rate limit of ${max} requests per ${longDuration(v.resetSeconds * 1000)} for this client (app key + address) reached; retry after the Retry-After seconds`);
      done();
    },
    onResponse: (req, reply, done) => {
      countOutcome(req.inferscopeOutcome ?? OUTCOME_BY_STATUS[reply.statusCode] ?? (reply.statusCode >= 500 ? 'error' : 'other'));
      done();
    },
  }, async (req, reply) => {
    const result = validateBatch(req.body);
    if (!result.ok) throw new CollectorError('SCHEMA', 400, result.message, { field: result.field });
    const appId = req.inferscopeApp!.id;
    const t = now();
    // Names are kept or folded while the rows are built: one pass over the batch (name-policy.ts).
    const batchNames = names.batchNames(appId);
    const { deltas, series } = batchRows(appId, result.batch, t, batchNames);
    const counted = await writer.write({ app: appId, batchId: storedBatchId(result.batch.batchId), receivedAt: t, deltas })
      .catch((err: unknown) => { throw new CollectorError('UNAVAILABLE', 503, 'storage is unavailable; the batch was not stored, retry later', { cause: err }); });
    if (counted) {
      metrics.recordBatch(appId, series);
      const foldedTotal = batchNames.foldedTotal();
      if (foldedTotal) for (const kind of Object.keys(foldedTotal)) metrics.inc('inferscope_names_folded_total', { app: appId, kind }, foldedTotal[kind]);
    }
    req.inferscopeOutcome = counted ? 'accepted' : 'duplicate';
    return reply.code(200).type('application/json; charset=utf-8').send(okBody(result.batch.batchId, counted));
  });
}
