// Where a request's credentials may come from, and the rule that each comes once. Node keeps only
// the first of two Authorization headers and Fastify turns `?key=a&key=b` into an array, while
// JSON.parse keeps the last of two `appKey` members: a request that names two credentials would
// otherwise be judged by whichever one a layer happened to pick (an array `?key=` fell through to
// batch.appKey, so a request with a wrong URL key was accepted on the body's). Every duplicated or
// contradictory credential is refused here with its own message saying what to send instead.
import type { FastifyRequest } from 'fastify';
import { CollectorError } from './errors.js';

const twice = (what: string, n: number, fix: string) => new CollectorError('BAD_REQUEST', 400, `${what} given ${n} times; ${fix}`, { field: what });

/** How many times header `name` (lower case) arrived, duplicates included. */
export function headerCount(req: FastifyRequest, name: string): number {
  const raw = req.raw.rawHeaders;
  let n = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.length === name.length && raw[i]!.toLowerCase() === name) n++;
  return n;
}

/** Refuses a request that carries the Authorization header more than once (Node would read the first only). */
export function assertOneAuthorization(req: FastifyRequest): void {
  const n = headerCount(req, 'authorization');
  if (n > 1) throw twice('Authorization', n, 'send one header: "Authorization: Bearer <adminToken>" on read routes, none on ingest');
}

/**
 * The ingest key a batch request names: `?key=` (once) or `batch.appKey` (once; the body
 * parser counts it, see appKeyCount), equal where both are given. Ingest never reads the
 * Authorization header: a Bearer token there is refused rather than ignored, so a client that
 * put its key (or the admin token) there learns where the key goes. Undefined: no key at all.
 */
export function ingestKey(req: FastifyRequest): string | undefined {
  assertOneAuthorization(req);
  if (req.headers.authorization !== undefined && /^\s*bearer\b/i.test(req.headers.authorization)) {
    throw new CollectorError('BAD_REQUEST', 400, 'ingest does not read the Authorization header: send the ingest key as ?key=<ingest key> or batch.appKey, and no Bearer token (the admin token is for read routes only)', { field: 'Authorization' });
  }
  const q = (req.query as Record<string, unknown> | undefined)?.key;
  if (Array.isArray(q)) throw twice('key', q.length, 'send ?key=<ingest key> once (or batch.appKey instead)');
  const b = req.body as Record<string, unknown> | null | undefined;
  const inBody = b && typeof b === 'object' && typeof b.appKey === 'string' ? b.appKey : undefined;
  if (typeof q === 'string' && q && inBody !== undefined && inBody !== q) {
    throw new CollectorError('BAD_REQUEST', 400, 'the app key in the URL (?key=) and batch.appKey differ; send one key', { field: 'batch.appKey' });
  }
  return typeof q === 'string' && q ? q : inBody;
}

const APP_KEY = Buffer.from('"appKey"');

/**
 * How many top-level members of the JSON object in `buf` are named appKey (escapes decoded:
 * `"app\u004bey"` is one too). A fast path skips the scan when the text holds at most one
 * `"appKey"` and no \u escape, which is every batch the SDK sends.
 */
export function appKeyCount(buf: Buffer): number {
  const first = buf.indexOf(APP_KEY);
  if ((first < 0 || buf.indexOf(APP_KEY, first + 1) < 0) && buf.indexOf('\\u') < 0) return first < 0 ? 0 : 1;
  let depth = 0;
  let n = 0;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i]!;
    if (c === 0x22) {
      const start = i + 1;
      for (i = start; i < buf.length && buf[i] !== 0x22; i++) if (buf[i] === 0x5c) i++;
      if (depth !== 1) continue;
      let j = i + 1;
      while (j < buf.length && (buf[j] === 0x20 || buf[j] === 0x0a || buf[j] === 0x0d || buf[j] === 0x09)) j++;
      if (buf[j] !== 0x3a || i - start > 64) continue; // not a member name, or too long to be "appKey"
      try { if (JSON.parse(`"${buf.toString('utf8', start, i)}"`) === 'appKey') n++; } catch { /* JSON.parse of the body says what is wrong */ }
    } else if (c === 0x5b || c === 0x7b) depth++;
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return n;
}
