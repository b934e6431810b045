// Answer the page proxy on `endpoint` (the worker's global scope; a MessagePort in tests). The
// other end is src/sdk/proxy/rpc.ts: calls arrive as [id, method, args], answers leave as
// [id, 1, value] or [id, 0, WireError]; an argument { inferscopeFn: n } is a page function,
// called with [0, n, args]. One listener, no per-call state.
import { createHost, type WorkerLocalOptions } from './host.js';
import { replyExtras } from './reply.js';
import { toWireError, type WorkerHost } from './wire.js';

export type { WorkerLocalOptions } from './host.js';

/** The part of a Worker's global scope or a MessagePort that serve() uses. */
export interface Endpoint {
  postMessage(message: unknown, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (e: MessageEvent) => void): void;
  start?(): void;
}

/**
 * Serve the page's worker-mode client. `local`: the options a page cannot send (functions do not
 * cross postMessage), given by the worker script itself: an app that needs its own `fetch` for
 * model files or telemetry writes a two-line worker and passes `{ worker: new Worker(…) }`.
 * @example
 * // my-worker.ts
 * import { serve } from 'inferscope/worker';
 * serve(self, { fetch: withAuthHeader(fetch) });
 */
export function serve(endpoint: Endpoint = globalThis as unknown as Endpoint, local: WorkerLocalOptions = {}): void {
  const host = createHost(local) as unknown as Record<string, (...a: unknown[]) => unknown>;
  const post = (message: unknown[], moved: Transferable[] = []) => endpoint.postMessage(message, moved);
  const callback = (a: unknown) => {
    const n = (a as { inferscopeFn?: unknown } | null)?.inferscopeFn;
    // The SDK never throws into its own work from an event it reports: a value that cannot be
    // cloned is dropped here.
    return typeof n === 'number' ? (...args: unknown[]) => { try { post([0, n, args]); } catch { /* see above */ } } : a;
  };
  endpoint.addEventListener('message', async ({ data }) => {
    if (!Array.isArray(data)) return; // not a call from rpc.ts
    const [id, method, args] = data as [number, keyof WorkerHost, unknown[]];
    let ok = 1;
    let value: unknown;
    try {
      if (!Object.hasOwn(host, method)) throw new TypeError(`the worker has no call '${String(method).slice(0, 40)}'`);
      value = await host[method]!(...args.map(callback));
    } catch (err) {
      ok = 0;
      value = toWireError(err);
    }
    const extras = ok ? replyExtras(value) : undefined;
    try {
      post([id, ok, value], extras?.moved);
    } catch (err) {
      post([id, 0, toWireError(err)]); // an answer postMessage cannot clone
    }
    extras?.after?.();
  });
  endpoint.start?.();
}
