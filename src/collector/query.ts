// Validation of what the read and admin routes take from the URL: path segments and query
// parameters. One set of helpers, so every route refuses the same way (400, the documented
// shape, a short excerpt of what was sent) and no value reaches the database unchecked:
// PostgreSQL refuses a BIGINT overflow with a 500 where SQLite silently accepts it, and
// Number() reads "1e2", "0x10" and " 5" as numbers.
import { MODEL_ID_MAX } from '../protocol/name-rules.js';
import { excerpt } from '../protocol/wire.js';
import { CollectorError } from './errors.js';

/** Latest time a report may name: the year 9999, well inside a BIGINT and a JS Date. */
export const MAX_TIME_MS = 253_402_300_799_999;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

const bad = (field: string, message: string) => new CollectorError('BAD_REQUEST', 400, message, { field });

/** A time: ms since epoch (digits) or an ISO date, 0..MAX_TIME_MS. */
export function timeParam(v: unknown, field: string, fallback: number): number {
  if (v === undefined || v === '') return fallback;
  if (typeof v !== 'string') throw bad(field, `${field} must be given once`);
  // Digits are ms since epoch; anything else must be an ISO date (Date.parse alone reads "-1" as 2001).
  const n = /^\d+$/.test(v) ? Number(v) : ISO_DATE.test(v) ? Date.parse(v) : NaN;
  if (!Number.isFinite(n)) throw bad(field, `${field} must be ms since epoch or an ISO date, got ${excerpt(v)}`);
  if (n < 0 || n > MAX_TIME_MS) throw bad(field, `${field} is out of range (${excerpt(v)}): give ms since epoch between 0 and ${MAX_TIME_MS}, or an ISO date`);
  return n;
}

/** A whole number written in decimal digits only, min..max. */
export function intParam(v: unknown, field: string, { min, max, fallback }: { min: number; max: number; fallback: number }): number {
  if (v === undefined) return fallback;
  const n = typeof v === 'string' && /^\d{1,15}$/.test(v) ? Number(v) : NaN;
  if (!(n >= min && n <= max)) throw bad(field, `${field} must be given once, as a whole number from ${min} to ${max} in decimal digits, got ${excerpt(v)}`);
  return n;
}

/** An optional filter text (version, backend, app): 1-MODEL_ID_MAX characters. */
export function textParam(v: unknown, field: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !v || v.length > MODEL_ID_MAX) throw bad(field, `${field} must be given once, as 1-${MODEL_ID_MAX} characters`);
  return v;
}

/** A name in the URL path (model id, channel): the ingest limit, so every stored id can be named. */
export function pathName(v: unknown, field: string): string {
  if (typeof v !== 'string' || !v || v.length > MODEL_ID_MAX) {
    throw bad(field, `${field} must be 1-${MODEL_ID_MAX} characters (the ingest limit), got ${typeof v === 'string' ? v.length : 0}`);
  }
  return v;
}
