// CORS for the two cross-origin routes, by hand. Only POST /v1/batches (origins of the app
// whose key is in the URL; with the key in the body, any configured app's origin, and the
// route then checks the origin against the key's app) and GET /v1/manifest (every app's
// origins) answer cross-origin; every other route never does. One synchronous onRequest hook
// with header values built once at start: @fastify/cors did the same through a delegator
// that spread two option objects and made closures on every request, with or without an
// Origin header (3.7 % of the ingest profile). Same headers as it sent: Vary: Origin on every
// answer (the answer depends on Origin, so a cache must not reuse it across origins), the
// request's origin reflected when allowed, Access-Control-Expose-Headers on the actual
// answer, and a preflight answered 204 with Content-Length: 0 (Safari waits for a body
// otherwise) before authentication runs; a preflight CORS does not allow gets the 404.
// test/collector/cors.test.ts checks all of it against the plugin, request by request.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppConfig } from './config.js';
import { errorBody } from './http-errors.js';

interface Policy { expose: string; methods: string; headers: string }
const INGEST: Policy = { expose: 'retry-after', methods: 'POST', headers: 'content-type, content-encoding' };
// Pages revalidate the live manifest with If-None-Match and read its ETag.
const MANIFEST: Policy = { expose: 'etag', methods: 'GET, HEAD', headers: 'if-none-match' };
const MAX_AGE = '600';

/** The first `key` query parameter (Fastify parsed the query string before onRequest). */
function queryKey(req: FastifyRequest): string | undefined {
  const k = (req.query as Record<string, unknown> | undefined)?.key;
  return typeof k === 'string' ? k : Array.isArray(k) && typeof k[0] === 'string' ? k[0] : undefined;
}

export interface CorsOptions {
  apps: AppConfig[];
  /** Ingest key -> app. */
  keys: Map<string, AppConfig>;
}

/**
 * Adds the CORS headers (and answers preflights) for /v1/batches and /v1/manifest.
 * @example registerCors(app, { apps: config.apps, keys: keyIndex(config.apps) });
 */
export function registerCors(app: FastifyInstance, { apps, keys }: CorsOptions): void {
  const allowed = (origins: readonly string[]) => {
    const set = new Set(origins);
    return set.has('*') ? () => true : (origin: string) => set.has(origin);
  };
  const anyApp = allowed(apps.flatMap((a) => a.origins));
  const byApp = new Map(apps.map((a) => [a, allowed(a.origins)]));

  /** The policy that applies to this request when its origin may read the answer, else null. */
  function policyFor(req: FastifyRequest, origin: string): Policy | null {
    const url = req.raw.url ?? '';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (path === '/v1/manifest') return anyApp(origin) ? MANIFEST : null;
    if (path !== '/v1/batches') return null;
    const key = q < 0 ? undefined : queryKey(req);
    const appCfg = key ? keys.get(key) : undefined;
    return (appCfg ? byApp.get(appCfg)! : anyApp)(origin) ? INGEST : null;
  }

  function preflight(req: FastifyRequest, reply: FastifyReply, policy: Policy): void {
    // An OPTIONS without Access-Control-Request-Method is no preflight: 400 as before, but
    // in the documented error shape (the plugin answered text/plain "Invalid Preflight Request").
    if (req.headers['access-control-request-method'] === undefined) {
      reply.code(400).send(errorBody('BAD_REQUEST', 'not a CORS preflight: the Access-Control-Request-Method header is missing'));
      return;
    }
    reply.header('access-control-allow-methods', policy.methods);
    reply.header('access-control-allow-headers', policy.headers);
    reply.header('access-control-max-age', MAX_AGE);
    reply.code(204).header('content-length', '0').send();
  }

  app.addHook('onRequest', (req, reply, done) => {
    reply.header('vary', 'Origin');
    const origin = req.headers.origin;
    // No Origin header: not a browser's cross-origin request; nothing else to add.
    if (typeof origin !== 'string') return done();
    const policy = policyFor(req, origin);
    if (!policy) return done();
    reply.header('access-control-allow-origin', origin);
    reply.header('access-control-expose-headers', policy.expose);
    if (req.raw.method === 'OPTIONS') return preflight(req, reply, policy);
    done();
  });
  // Lets OPTIONS reach the hook above on every path; what it did not answer is a 404.
  app.options('*', (_req, reply) => { reply.callNotFound(); });
}
