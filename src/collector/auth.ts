// Ingest keys identify an app and can only write; the admin token reads.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { AppConfig } from './config.js';
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

/**
 * The admin check as an onRequest hook: it runs before the body is read, decompressed or
 * parsed, so a request without the token gets its 401 (not a 400/413/415 that tells an
 * unauthenticated client how its body was read) and costs no parsing.
 */
export function adminOnly(adminToken: string, keys: Map<string, AppConfig>): (req: FastifyRequest) => Promise<void> {
  return async (req) => assertAdmin(req, adminToken, keys);
}

/** Throws 401 unless the request carries the admin token. */
export function assertAdmin(req: FastifyRequest, adminToken: string, keys: Map<string, AppConfig>): void {
  const token = bearerToken(req);
  if (!token) throw new CollectorError('UNAUTHORIZED', 401, 'this route needs the admin token: send "Authorization: Bearer <adminToken>"');
  if (keys.has(token)) throw new CollectorError('UNAUTHORIZED', 401, 'an ingest key can only send batches; reading needs the admin token');
  if (!safeEqual(token, adminToken)) throw new CollectorError('UNAUTHORIZED', 401, 'the admin token is wrong');
}
