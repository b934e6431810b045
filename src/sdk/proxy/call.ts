// Every error of a call into the worker goes through reviveError() (rpc.ts): errors come back as
// the page's own InferScopeError (instanceof and `code` work), and a value postMessage cannot
// clone becomes INPUT_INVALID instead of a DOMException. The worker side sends a WireError
// { name, message, code, cause } (src/sdk/worker/serve.ts).
import { InferScopeError, type ErrorCode } from '../errors.js';

export function reviveError(err: unknown): unknown {
  const e = err as { name?: string; message?: string; code?: ErrorCode; cause?: string } | null;
  if (e?.name === 'InferScopeError' && typeof e.code === 'string') {
    return new InferScopeError(e.code, e.message ?? '', e.cause === undefined ? undefined : { cause: e.cause });
  }
  if (e?.name === 'DataCloneError') {
    return new InferScopeError('INPUT_INVALID', `this value cannot be sent to the worker (${e.message}); pass a typed array, nested array, tf.Tensor or image`, { cause: err });
  }
  return err;
}
