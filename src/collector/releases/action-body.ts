// The body of an admin release action: nothing, or { "reason": "..." }. It has its own small
// parser (registered only in the release routes' plugin scope, see routes.ts) instead of the
// ingest one: no compression, JSON only, at most ACTION_BODY_MAX bytes, and a reason that is
// stored in the audit trail and shown on the dashboard, so it must not carry an e-mail
// address, a URL with a token, an IP address or an account number (see name-rules.ts).
import type { FastifyInstance } from 'fastify';
import { personalShape } from '../../protocol/name-rules.js';
import { excerpt } from '../../protocol/wire.js';
import { CollectorError } from '../errors.js';

/** Largest action body accepted (a reason is at most REASON_MAX characters). */
export const ACTION_BODY_MAX = 4096;
export const REASON_MAX = 200;

// '@' (e-mail), a scheme or a query parameter (URL, token), host/path ("x.example/reset").
const URL_OR_MAIL = /@|:\/\/|[?&][^\s=]*=|\b[a-z0-9-]+\.[a-z]{2,}\//i;

const bad = (message: string, field?: string) => new CollectorError('BAD_REQUEST', 400, message, field ? { field } : {});

/** Why `reason` may not be stored, or null. */
export function reasonProblem(reason: string): string | null {
  if (URL_OR_MAIL.test(reason)) return 'an e-mail address or a URL';
  return personalShape(reason);
}

/** The reason an action body gives ('' for none); 400 for anything else. */
export function actionReason(body: unknown): string {
  if (body === undefined) return '';
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw bad(`the body must be a JSON object like {"reason": "..."}, got ${excerpt(body)}`);
  for (const k of Object.keys(body)) if (k !== 'reason') throw bad(`unknown field ${excerpt(k)}; the body takes only "reason"`, k.slice(0, 64));
  const reason = (body as { reason?: unknown }).reason;
  if (reason === undefined) return '';
  if (typeof reason !== 'string' || reason.length > REASON_MAX) throw bad(`reason must be text of at most ${REASON_MAX} characters`, 'reason');
  const problem = reasonProblem(reason);
  // Refused, not redacted: the admin sees at once what the audit trail would not keep.
  if (problem) throw bad(`reason must not contain ${problem}: it is stored in the audit trail and shown on the dashboard; say why in words`, 'reason');
  return reason;
}

/** Content parser of the release routes' scope: JSON only, uncompressed, an empty body is none. */
export function useActionBodyParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: ACTION_BODY_MAX }, (req, text, done) => {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const encoding = String(req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (type && type !== 'application/json') {
      return done(new CollectorError('UNSUPPORTED_MEDIA_TYPE', 415, `content-type ${type.slice(0, 80)} is not accepted here; send application/json or no body`), undefined);
    }
    if (encoding !== 'identity' && encoding !== '') {
      return done(new CollectorError('UNSUPPORTED_MEDIA_TYPE', 415, `content-encoding ${encoding.slice(0, 80)} is not accepted here; send the small JSON body uncompressed`), undefined);
    }
    if (!text) return done(null, undefined);
    try {
      done(null, JSON.parse(text as string));
    } catch (err) {
      done(bad(`body is not valid JSON: ${(err as Error).message.slice(0, 120)}`), undefined);
    }
  });
}
