// Builds and starts the collector: Fastify with CORS (per app) and rate limiting (per
// key), one storage backend, the group-commit writer, retention and all routes.
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import { registerAdminRoutes } from './admin-routes.js';
import { keyIndex } from './auth.js';
import { parseBody } from './body.js';
import type { AppConfig, CollectorConfig } from './config.js';
import { registerDashboard } from './dashboard.js';
import { CollectorError } from './errors.js';
import { clientErrorHandler, errorBody, frameworkErrors } from './http-errors.js';
import { registerIngest } from './ingest.js';
import { manifestSource } from './manifest.js';
import { Metrics } from './metrics.js';
import { openPostgresStore } from './store/postgres.js';
import { openSqliteStore } from './store/sqlite.js';
import type { Store } from './store/types.js';
import { createWriter } from './writer.js';

/** Settings given here win over the same ones in `config` (CLI flags over the config file). */
export interface CollectorOptions extends Pick<CollectorConfig, 'port' | 'host' | 'db' | 'postgres' | 'manifest' | 'retentionDays' | 'bodyLimitBytes'> {
  /** Apps and admin token (see config.ts). Required. */
  config: CollectorConfig;
  /** Default per-key rate limit when an app sets none. */
  rateLimit?: { max: number; windowSeconds: number };
  /** Fastify logger options; off by default (and never logs IPs when on: see serializers). */
  logger?: boolean;
}

export interface RunningCollector {
  url: string;
  app: FastifyInstance;
  store: Store;
  /** Every route registered (method + Fastify path), for the OpenAPI check. */
  routes: { method: string; url: string }[];
  close(): Promise<void>;
}

const ERROR_BY_FASTIFY_CODE: Record<string, [string, number]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ['PAYLOAD_TOO_LARGE', 413],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['UNSUPPORTED_MEDIA_TYPE', 415],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['BAD_REQUEST', 400],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['BAD_REQUEST', 400],
};

export async function startCollector(options: CollectorOptions): Promise<RunningCollector> {
  const {
    config, port = config.port ?? 8470, host = config.host ?? '127.0.0.1', postgres = config.postgres,
    db = config.db ?? 'inferscope.sqlite', manifest = config.manifest, retentionDays = config.retentionDays ?? 30,
    bodyLimitBytes = config.bodyLimitBytes ?? 256 * 1024, rateLimit: defaultRateLimit = { max: 6000, windowSeconds: 60 }, logger = false,
  } = options;
  const store = postgres ? await openPostgresStore({ url: postgres }) : openSqliteStore({ file: db });
  const writer = createWriter({ store });
  const metrics = new Metrics(config.metrics);
  const keys = keyIndex(config.apps);
  const retentionMs = retentionDays * 86_400_000;

  // No request logging of IPs or user agents: the default serializer is replaced.
  const app = Fastify({ logger: logger ? { serializers: { req: (r: { method: string; url: string }) => ({ method: r.method, url: r.url.split('?')[0] }) } } : false, bodyLimit: bodyLimitBytes, return503OnClosing: true,
    // Longer than any model id (64), so an over-long id gets the report route's own 400; beyond it, a shaped 414.
    routerOptions: { maxParamLength: 200 }, frameworkErrors, clientErrorHandler });

  const routes: { method: string; url: string }[] = [];
  app.addHook('onRoute', (r) => { for (const m of [r.method].flat()) routes.push({ method: m, url: r.url }); });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (req, raw, done) => {
    parseBody(req as FastifyRequest, raw as Buffer, bodyLimitBytes * 4).then((v) => done(null, v), (err: Error) => done(err, undefined));
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string; field?: string }, _req, reply) => {
    if (err instanceof CollectorError) {
      if (err.statusCode === 503) reply.header('retry-after', '5');
      return reply.code(err.statusCode).send(errorBody(err.code, err.message, err.field));
    }
    const mapped = err.code ? ERROR_BY_FASTIFY_CODE[err.code] : undefined;
    if (mapped) {
      const msg = mapped[1] === 413 ? `request body exceeds ${bodyLimitBytes} bytes; send smaller batches` : err.message;
      return reply.code(mapped[1]).send(errorBody(mapped[0], msg));
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) app.log.error(err);
    return reply.code(status).send(errorBody(status === 500 ? 'INTERNAL' : 'BAD_REQUEST', status === 500 ? 'internal error' : err.message));
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send(errorBody('NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]!.slice(0, 120)}; see deploy/openapi.json`)));

  // CORS: only the ingest route is cross-origin, and only for origins of the app whose key
  // is in the URL (or, when the key travels in the body, any configured app's origin; the
  // route itself then checks the origin against the key's app).
  const allOrigins = new Set(config.apps.flatMap((a) => a.origins));
  const noCors = { origin: false };
  const corsFor = (origins: Set<string>, origin: string | undefined) => ({
    origin: origins.has('*') ? true : typeof origin === 'string' && origins.has(origin) ? origin : false,
    methods: ['POST'],
    allowedHeaders: ['content-type', 'content-encoding'],
    maxAge: 600,
  });
  const originSets = new Map(config.apps.map((a) => [a, new Set(a.origins)]));
  await app.register(cors, {
    strictPreflight: false,
    delegator: (req, cb) => {
      const origin = req.headers.origin;
      // No Origin header: not a browser's cross-origin request, so no CORS headers to add
      // (and no per-request URL parsing on the server-to-server hot path).
      if (typeof origin !== 'string') return cb(null, noCors);
      const url = (req as unknown as FastifyRequest).url ?? '';
      const q = url.indexOf('?');
      if ((q < 0 ? url : url.slice(0, q)) !== '/v1/batches') return cb(null, noCors);
      const key = q < 0 ? null : new URLSearchParams(url.slice(q + 1)).get('key');
      const appCfg: AppConfig | undefined = key ? keys.get(key) : undefined;
      cb(null, corsFor(appCfg ? originSets.get(appCfg)! : allOrigins, origin));
    },
  });
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, ctx) => new CollectorError('RATE_LIMITED', 429, `rate limit of ${ctx.max} requests per ${ctx.after} for this app key reached; retry after the Retry-After seconds`),
  });

  registerIngest(app, { keys, writer, metrics, defaultRateLimit });
  registerAdminRoutes(app, { store, manifest: manifestSource({ location: manifest }), metrics, adminToken: config.adminToken, keys, retentionMs });
  registerDashboard(app);

  const prune = () => store.prune(Date.now() - retentionMs).catch((err: unknown) => app.log.warn({ err }, 'retention prune failed'));
  await prune();
  const pruneTimer = setInterval(prune, 3600_000);
  pruneTimer.unref();

  const address = await app.listen({ port, host });
  let closing: Promise<void> | null = null;
  return {
    url: address.replace('[::1]', 'localhost'),
    app,
    store,
    routes,
    close() {
      closing ??= (async () => {
        clearInterval(pruneTimer);
        await app.close();
        await writer.close();
        await store.close();
      })();
      return closing;
    },
  };
}
