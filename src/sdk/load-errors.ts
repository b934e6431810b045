// The messages load() rejects with when the call itself is wrong or no backend runs the model.
// Only failing loads need their text, so it is a lazy chunk (client.ts imports it in the catch
// path); the checks that decide stay in the core.
import type { Fallback } from './choose-backend.js';
import { InferScopeError } from './errors.js';

const CALL_FORMS = "client.load('model-id', { channel: 'stable' }) (needs manifestUrl) or client.load({ url: '/models/x/model.json' })";

/** MODEL_NOT_FOUND for a load() argument that is neither a non-empty id nor an object with a url. */
export function loadTargetError(target: unknown): InferScopeError {
  const got = target === undefined ? 'no argument' : target === null ? 'null' : typeof target === 'object' ? 'an object without a url' : `${typeof target} ${String(target).slice(0, 40)}`;
  return new InferScopeError('MODEL_NOT_FOUND', `client.load() got ${got}; call ${CALL_FORMS}`);
}

/**
 * The error load() throws when no backend can run the model: ASSET_INVALID when a backend was
 * lost to bad self-hosted files (the site owner must fix those), else BACKEND_UNAVAILABLE.
 */
export function noBackendError(url: string, fallbacks: Fallback[]): InferScopeError {
  // Every backend that started failed to build the model from its topology: the file is at
  // fault, not the device (a node removed, a layer config of the wrong shape). tfjs's own text is
  // kept in `cause`, not shown as if it were advice.
  const built = fallbacks.filter((f) => f.reason.startsWith('building the model failed'));
  if (built.length && built.length === fallbacks.filter((f) => !f.reason.startsWith('ASSET_INVALID')).length) {
    return new InferScopeError('MODEL_INVALID', `${url}: its modelTopology could not be built into a model (tried ${built.map((f) => f.backend).join(', ')}); model.json is damaged or not converter output: re-export the model`, { cause: new Error(built[0]!.reason) });
  }
  const asset = fallbacks.some((f) => f.reason.startsWith('ASSET_INVALID: '));
  return new InferScopeError(asset ? 'ASSET_INVALID' : 'BACKEND_UNAVAILABLE', `no backend could run ${url}: ${fallbacks.map((f) => `${f.backend}: ${f.reason}`).join('; ')}`);
}
