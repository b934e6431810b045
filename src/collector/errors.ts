// The collector's one error class: an HTTP status, a string code callers branch on,
// and (for schema errors) the offending field. Every rejection becomes a JSON body
// { error: { code, message, field? } }.
export type CollectorErrorCode =
  | 'BAD_REQUEST' | 'SCHEMA' | 'UNAUTHORIZED' | 'FORBIDDEN_ORIGIN' | 'NOT_FOUND' | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE' | 'METHOD_NOT_ALLOWED' | 'CONFLICT' | 'RATE_LIMITED' | 'UNAVAILABLE' | 'CONFIG' | 'INTERNAL';

export class CollectorError extends Error {
  readonly code: CollectorErrorCode;
  readonly statusCode: number;
  readonly field?: string;
  /** Seconds for a Retry-After header (429, 503). */
  readonly retryAfter?: number;
  constructor(code: CollectorErrorCode, statusCode: number, message: string, options: { field?: string; cause?: unknown; retryAfter?: number } = {}) {
    super(message, { cause: options.cause });
    this.name = 'CollectorError';
    this.code = code;
    this.statusCode = statusCode;
    if (options.field) this.field = options.field;
    if (options.retryAfter) this.retryAfter = options.retryAfter;
  }
}
