/** Every error the SDK throws is an InferScopeError; branch on `code`, never on message text. */
export type ErrorCode =
  | 'MANIFEST_FETCH'
  | 'MANIFEST_INVALID'
  | 'MODEL_NOT_FOUND'
  | 'MODEL_INVALID'
  | 'NETWORK'
  | 'INTEGRITY'
  | 'ASSET_INVALID'
  | 'BACKEND_UNAVAILABLE'
  | 'INPUT_SHAPE'
  | 'INPUT_INVALID'
  | 'PREDICT_FAILED'
  | 'CACHE_UNAVAILABLE'
  | 'QUOTA_EXCEEDED'
  | 'TELEMETRY'
  | 'DISPOSED'
  | 'TIMEOUT'
  | 'WORKER_UNAVAILABLE';

export class InferScopeError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InferScopeError';
    this.code = code;
  }
}

/** True for any InferScopeError, optionally of one code. */
export function isInferScopeError(err: unknown, code?: ErrorCode): err is InferScopeError {
  return err instanceof InferScopeError && (code === undefined || err.code === code);
}
