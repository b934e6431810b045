// Entry `inferscope/proxy`: worker mode with nothing but the proxy on the page. The same
// createClient and types as `inferscope`, with `worker: true` as the default; tfjs and the
// direct-mode SDK load on the page only if the worker cannot start and the client falls back.
import type { Client, ClientOptions } from './sdk/client.js';
import { lazyClient } from './sdk/proxy/lazy-client.js';
import { createWorkerClient } from './sdk/proxy/worker-client.js';

export { InferScopeError, isInferScopeError } from './sdk/errors.js';
export type { ErrorCode } from './sdk/errors.js';
export type { Client, ClientOptions } from './sdk/client.js';
export type { Model, Prediction } from './sdk/model.js';
export type { UrlLoadOptions, IdLoadOptions } from './sdk/resolve-target.js';
export type { LoadProgress } from './sdk/fetch-model.js';
export type { DeliveryEvent } from './sdk/delivery/types.js';

const direct = (o: ClientOptions) => import('./sdk/client.js').then((m) => m.createClient(o));

/**
 * createClient in worker mode (`worker: false` gives direct mode, loaded on demand).
 * @example
 * import { createClient } from 'inferscope/proxy';
 * const model = await createClient({ manifestUrl: '/models/manifest.json' }).load('digits');
 */
export function createClient(options: ClientOptions = {}): Client {
  return lazyClient(options.worker === false ? direct(options) : createWorkerClient({ worker: true, ...options }, direct));
}
