// Ingest keys identify an app and can only write; the admin token reads.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { AppConfig } from './config.js';
import { clientKeyer } from './client-key.js';
import { assertOneAuthorization } from './credentials.js';
import { CollectorError } from './errors.js';

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Constant-time string comparison (hashing first makes lengths equal). */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

export function keyIndex(apps: AppConfig[]): Map<string, AppConfig> {
  const m = new Map<string, AppConfig>();
  for (const app of apps) for (const k of app.keys) m.set(k, app);
  return m;
}

export function bearerToken(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return null;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m ? m[1]! : null;
}

/** Wrong admin tokens one client may send per window before its admin requests get 429. */
export const ADMIN_FAILURES = { max: 30, windowSeconds: 60 };
/** Clients whose failures are remembered at once (oldest forgotten first): memory stays bounded. */
const TRACKED_MAX = 10_000;

/**
 * The admin check as an onRequest hook: it runs before the body is read, decompressed or
 * parsed, so a request without the token gets its 401 (not a 400/413/415 that tells an
 * unauthenticated client how its body was read) and costs no parsing. A client (a salted hash
 * of its address, in memory only, per replica) that sent `max` wrong tokens within the window
 * gets 429 with Retry-After on every admin route until the window ends, the right token
 * included: guessing a token costs one window per `max` guesses.
 */
export function adminOnly(adminToken: string, keys: Map<string, AppConfig>, { max, windowSeconds } = ADMIN_FAILURES): (req: FastifyRequest) => Promise<void> {
  const clientOf = clientKeyer();
  const failures = new Map<string, { n: number; until: number }>();
  return async (req) => {
    assertOneAuthorization(req); // before any token is compared: two tokens are not two guesses
    const client = clientOf('admin', req.ip);
    const now = Date.now();
    let f = failures.get(client);
    if (f && now >= f.until) { failures.delete(client); f = undefined; }
    if (f && f.n >= max) {
      const retryAfter = Math.max(1, Math.ceil((f.until - now) / 1000));
      throw new CollectorError('RATE_LIMITED', 429, `${max} wrong admin tokens from this client within ${windowSeconds} s; retry after ${retryAfter} s with the right token`, { retryAfter });
    }
    try {
      assertAdmin(req, adminToken, keys);
    } catch (err) {
      if (bearerToken(req) !== null) {
        if (!f) {
          if (failures.size >= TRACKED_MAX) failures.delete(failures.keys().next().value!);
          failures.set(client, (f = { n: 0, until: now + windowSeconds * 1000 }));
        }
        f.n++;
      }
      throw err;
    }
  };
}

/** Throws 401 unless the request carries the admin token. */
export function assertAdmin(req: FastifyRequest, adminToken: string, keys: Map<string, AppConfig>): void {
  const token = bearerToken(req);
  if (!token) throw new CollectorError('UNAUTHORIZED', 401, 'this route needs the admin token: send "Authorization: Bearer <adminToken>"');
  if (keys.has(token)) throw new CollectorError('UNAUTHORIZED', 401, 'an ingest key can only send batches; reading needs the admin token');
  if (!safeEqual(token, adminToken)) throw new CollectorError('UNAUTHORIZED', 401, 'the admin token is wrong');
}
