// Builds and starts the collector: Fastify with CORS (per app, cors.ts) and rate limiting (per
// client, rate-limit.ts), one storage backend, the group-commit writer, retention and all routes.
// Timeouts: a request's headers and body must arrive within requestTimeoutMs (Node's own
// requestTimeout answers 408 and closes); close() lets in-flight requests finish for
// shutdownGraceMs, then cuts what is left (a stalled body must not keep a SIGTERM'd
// process alive), then commits what the writer holds.
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { registerAdminRoutes } from './admin-routes.js';
import { ADMIN_FAILURES, adminOnly, keyIndex } from './auth.js';
import { parseBody } from './body.js';
import { clientKeyer } from './client-key.js';
import { registerCors } from './cors.js';
import type { CollectorConfig, LogLevel } from './config.js';
import { registerDashboard } from './dashboard.js';
import { CollectorError } from './errors.js';
import { clientErrorHandler, errorBody, frameworkErrors, methodsByPath } from './http-errors.js';
import { registerIngest } from './ingest.js';
import { manifestSource } from './manifest.js';
import { createNamePolicy } from './name-policy.js';
import { Metrics } from './metrics.js';
import { createReleaseController } from './releases/controller.js';
import { registerReleaseRoutes, releaseGauges } from './releases/routes.js';
import { openPostgresStore } from './store/postgres.js';
import { openSqliteStore } from './store/sqlite.js';
import type { Store } from './store/types.js';
import { createWriter } from './writer.js';

/** Settings given here win over the same ones in `config` (CLI flags over the config file). */
export interface CollectorOptions extends Pick<CollectorConfig, 'port' | 'host' | 'db' | 'postgres' | 'manifest' | 'retentionDays' | 'dedupeDays' | 'bodyLimitBytes' | 'logLevel' | 'requestTimeoutMs' | 'shutdownGraceMs'> {
  /** Apps and admin token (see config.ts). Required. */
  config: CollectorConfig;
  /** Default per-client rate limit when an app sets none. */
  rateLimit?: { max: number; windowSeconds: number };
  /** Wrong admin tokens per client and window before 429 (auth.ts ADMIN_FAILURES). */
  adminFailures?: { max: number; windowSeconds: number };
    /** Where the JSON log lines go (default stdout). */
  logStream?: { write(line: string): void };
}

export interface RunningCollector {
  url: string;
  app: FastifyInstance;
  store: Store;
  /** Release evaluation (tests call tick() instead of waiting for the interval). */
  releases: ReturnType<typeof createReleaseController>;
  /** Every route registered (method + Fastify path), for the OpenAPI check. */
  routes: { method: string; url: string }[];
  /** How long close() lets in-flight requests run before cutting their connections. */
  shutdownGraceMs: number;
  close(): Promise<void>;
}

const ERROR_BY_FASTIFY_CODE: Record<string, [string, number]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ['PAYLOAD_TOO_LARGE', 413],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['UNSUPPORTED_MEDIA_TYPE', 415],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['BAD_REQUEST', 400],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['BAD_REQUEST', 400],
};

/** The causes under an error, outermost first, as plain JSON (an Error stringifies to {}). */
function causeChain(cause: unknown): { type: string; message: string; code?: string }[] | undefined {
  const out: { type: string; message: string; code?: string }[] = [];
  for (let c = cause, depth = 0; c !== undefined && c !== null && depth < 5; c = (c as { cause?: unknown }).cause, depth++) {
    const e = c as { name?: unknown; message?: unknown; code?: unknown };
    out.push({ type: typeof e.name === 'string' ? e.name : typeof c, message: typeof e.message === 'string' ? e.message : String(c), ...(typeof e.code === 'string' ? { code: e.code } : {}) });
  }
  return out.length ? out : undefined;
}

export async function startCollector(options: CollectorOptions): Promise<RunningCollector> {
  const {
    config, port = config.port ?? 8470, host = config.host ?? '127.0.0.1', postgres = config.postgres,
    db = config.db ?? 'inferscope.sqlite', manifest = config.manifest, retentionDays = config.retentionDays ?? 30, dedupeDays = config.dedupeDays ?? 7,
    bodyLimitBytes = config.bodyLimitBytes ?? 256 * 1024, rateLimit: defaultRateLimit = { max: 600, windowSeconds: 60 },
    logLevel = config.logLevel ?? 'warn', requestTimeoutMs = config.requestTimeoutMs ?? 15_000,
    shutdownGraceMs = config.shutdownGraceMs ?? 10_000, logStream, adminFailures = ADMIN_FAILURES,
  } = options;
  const store = postgres ? await openPostgresStore({ url: postgres }) : openSqliteStore({ file: db });
  const writer = createWriter({ store });
  const metrics = new Metrics(config.metrics);
  const keys = keyIndex(config.apps);
  const retentionMs = retentionDays * 86_400_000;

  const app = Fastify({
    // JSON lines (pino). No IPs, user agents, query strings (the app key travels there) or
    // path values in any line: the default request serializer is replaced.
    logger: {
      level: logLevel satisfies LogLevel,
      // Not even the path: its parameters are what a client chose (a model id, an asset name, a
      // channel), so a line names the route pattern ("/v1/models/:id/report"), never the values.
      serializers: { req: (r: { method: string; routeOptions?: { url?: string } }) => ({ method: r.method, route: r.routeOptions?.url ?? '(no route)' }) },
      ...(logStream ? { stream: logStream } : {}),
    },
    bodyLimit: bodyLimitBytes,
    return503OnClosing: true,
    requestTimeout: requestTimeoutMs,
    // Node checks requestTimeout only every connectionsCheckingInterval (default 30 s), so a
    // stalled body would otherwise live up to 30 s past its deadline.
    http: { connectionsCheckingInterval: Math.min(1000, Math.max(100, Math.floor(requestTimeoutMs / 4))), headersTimeout: requestTimeoutMs },
    ...(config.trustProxy ? { trustProxy: config.trustProxy } : {}),
    // Longer than any model id (64), so an over-long id gets the report route's own 400; beyond
    // it, a shaped 414. Fastify's own refusals get the documented error shape (http-errors.ts).
    routerOptions: { maxParamLength: 200 },
    frameworkErrors,
    clientErrorHandler,
  });
  // Every 5xx: one error line with its cause, and a count by status on /metrics.
  const errorsByRequest = new WeakMap<FastifyRequest, Error>();
  const httpErrors = new Map<number, { value: number }>();
  app.addHook('onResponse', (req, reply, done) => {
    const status = reply.statusCode;
    if (status >= 500) {
      let cell = httpErrors.get(status);
      if (!cell) httpErrors.set(status, (cell = metrics.cell('inferscope_http_errors_total', { status: String(status) })));
      cell.value++;
      const err = errorsByRequest.get(req);
      req.log.error({ status, method: req.method, route: req.routeOptions.url ?? null, err, cause: causeChain(err?.cause) },
        `answered ${status}: ${err ? err.message : 'no error object (shutting down, or the framework answered)'}`);
    }
    done();
  });

  const routes: { method: string; url: string }[] = [];
  app.addHook('onRoute', (r) => { for (const m of [r.method].flat()) routes.push({ method: m, url: r.url }); });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (req, raw, done) => {
    // Fastify parses bodies sent to no route too: the 404/405 answer must not cost a
    // decompression or a parse (nor turn into a 400/415 about a body no route reads).
    if ((req as FastifyRequest).is404) return done(null, undefined);
    parseBody(req as FastifyRequest, raw as Buffer, bodyLimitBytes * 4, done);
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string; field?: string }, req, reply) => {
    errorsByRequest.set(req, err);
    if (err instanceof CollectorError) {
      if (err.retryAfter) reply.header('retry-after', String(err.retryAfter));
      else if (err.statusCode === 503) reply.header('retry-after', '5');
      return reply.code(err.statusCode).send(errorBody(err.code, err.message, err.field));
    }
    const mapped = err.code ? ERROR_BY_FASTIFY_CODE[err.code] : undefined;
    if (mapped) {
      const limit = req.routeOptions.bodyLimit ?? bodyLimitBytes;
      const msg = mapped[1] === 413 ? `request body exceeds ${limit} bytes${limit === bodyLimitBytes ? '; send smaller batches' : ''}` : err.message;
      return reply.code(mapped[1]).send(errorBody(mapped[0], msg));
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    return reply.code(status).send(errorBody(status === 500 ? 'INTERNAL' : 'BAD_REQUEST', status === 500 ? 'internal error' : err.message));
  });
  // A known path asked with another method is a 405 with Allow, not a 404 (http-errors.ts).
  const allowed = methodsByPath(routes);
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0]!;
    const methods = allowed(path);
    if (methods.length) {
      return reply.code(405).header('allow', methods.join(', ')).send(errorBody('METHOD_NOT_ALLOWED', `${req.method.slice(0, 16)} is not allowed on ${path.slice(0, 120)}; use ${methods.join(' or ')}`));
    }
    return reply.code(404).send(errorBody('NOT_FOUND', `no route ${req.method.slice(0, 16)} ${path.slice(0, 120)}; see deploy/openapi.json`));
  });

  registerCors(app, { apps: config.apps, keys });

  const base = manifestSource({ location: manifest });
  const releases = createReleaseController({
    store, manifest: base, config: config.releases,
    onDecision: (d) => metrics.inc('inferscope_release_decisions_total', { model: d.model, channel: d.channel, decision: d.decision }),
    onError: (err) => app.log.warn({ err }, 'release evaluation failed'),
  });
  // Names the manifest lists are stored as sent; others are capped and checked (name-policy.ts).
  const names = createNamePolicy({ manifest: async () => (await base.manifest()).manifest });
  await names.refresh();
  registerIngest(app, { keys, writer, metrics, defaultRateLimit, clientKey: clientKeyer(), names });
  // One guard for every admin route, so wrong tokens count together.
  const admin = adminOnly(config.adminToken, keys, adminFailures);
  registerAdminRoutes(app, { store, manifest: base, metrics, admin, retentionMs, extraGauges: () => releaseGauges(releases, store) });
  await registerReleaseRoutes(app, { store, manifest: base, config: config.releases, controller: releases, admin });
  registerDashboard(app);

  // Batch ids have their own window: they only catch replays from the SDK's outbox (7 days at
  // most), and at one row per batch they would outgrow the aggregates by far under retentionDays.
  const dedupeMs = dedupeDays * 86_400_000;
  const prune = () => {
    const now = Date.now();
    return store.prune(now - retentionMs, now - dedupeMs).catch((err: unknown) => app.log.warn({ err }, 'retention prune failed'));
  };
  await prune();
  const pruneTimer = setInterval(prune, 3600_000);
  pruneTimer.unref();

  const address = await app.listen({ port, host });
  releases.start();
  let closing: Promise<void> | null = null;
  return {
    url: address.replace('[::1]', 'localhost'),
    app,
    store,
    releases,
    routes,
    shutdownGraceMs,
    close() {
      closing ??= (async () => {
        clearInterval(pruneTimer);
        await releases.stop();
        // app.close() stops listening, closes idle keep-alive connections and waits for
        // requests in flight; after the grace period the rest (stalled bodies, slow
        // clients) are cut. Batches already handed to the writer are still committed.
        const cut = setTimeout(() => {
          app.log.warn({ graceMs: shutdownGraceMs }, 'shutdown grace period over: closing the connections still open');
          app.server.closeAllConnections();
        }, shutdownGraceMs);
        try { await app.close(); } finally { clearTimeout(cut); }
        await writer.close();
        await store.close();
      })();
      return closing;
    },
  };
}
