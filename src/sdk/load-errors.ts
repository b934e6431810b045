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
  const asset = fallbacks.some((f) => f.reason.startsWith('ASSET_INVALID: '));
  return new InferScopeError(asset ? 'ASSET_INVALID' : 'BACKEND_UNAVAILABLE', `no backend could run ${url}: ${fallbacks.map((f) => `${f.backend}: ${f.reason}`).join('; ')}`);
}
