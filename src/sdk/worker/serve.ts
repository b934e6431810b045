// Answer the page proxy on `endpoint` (the worker's global scope; a MessagePort in tests).
import { expose, transferHandlers, type Endpoint, type TransferHandler } from 'comlink';
import { createHost, type WorkerLocalOptions } from './host.js';
import { toWireError } from './wire.js';

export type { WorkerLocalOptions } from './host.js';

/**
 * Serve the page's worker-mode client. `local`: the options a page cannot send (functions do not
 * cross postMessage), given by the worker script itself: an app that needs its own `fetch` for
 * model files or telemetry writes a two-line worker and passes `{ worker: new Worker(…) }`.
 * @example
 * // my-worker.ts
 * serve(self, { fetch: withAuthHeader(fetch) });
 */
export function serve(endpoint: Endpoint = globalThis as unknown as Endpoint, local: WorkerLocalOptions = {}): void {
  // Comlink sends a thrown Error as { name, message, stack } only; send code (and a cause's
  // message) too, so the page can rebuild InferScopeError. The registry is module-global, but
  // in a worker this module is the only Comlink user, so nothing on the page sees the change.
  const thrown = transferHandlers.get('throw') as TransferHandler<{ value: unknown }, unknown>;
  transferHandlers.set('throw', { ...thrown, serialize: ({ value }) => [{ isError: true, value: toWireError(value) }, []] });
  expose(createHost(local), endpoint);
}
