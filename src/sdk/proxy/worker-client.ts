// createClient({ worker }) on the page: the Client interface with every call answered by the
// worker (src/worker.ts), which runs tfjs, delivery, telemetry and explain off the main thread.
// The page keeps only what needs the page: inputs turned into transferable form, the
// pagehide/visibilitychange and web-vitals forwarding, and the delivery/progress callbacks.
// A worker that cannot start gives WORKER_UNAVAILABLE; by default the client then runs in
// direct mode and says so with a 'worker-unavailable' delivery event.
import type { Client, ClientOptions } from '../client.js';
import { InferScopeError, isInferScopeError } from '../errors.js';
import type { Model } from '../model.js';
import type { WireUrlTarget, WorkerClientOptions } from '../worker/wire.js';
import { pagePasses } from './page-passes.js';
import { remoteModel } from './remote-model.js';
import { startWorker, unavailable } from './start-worker.js';

// Relative URLs would resolve against the worker script's URL in the worker: make them absolute here.
const absolute = <T>(u: T): T => (typeof u === 'string' && typeof location !== 'undefined' ? new URL(u, location.href).href as T : u);

/** The options as the worker gets them, or the name of one that cannot cross (a function, a factory). */
function wireOptions(o: ClientOptions): WorkerClientOptions | string {
  const { worker, workerFallback, onDeliveryEvent, ...rest } = o;
  const t = o.telemetry;
  const local = (['fetch', 'testHooks'] as const).find((k) => o[k] !== undefined)
    ?? (o.idbFactory ? 'idbFactory' : o.cache && o.cache.idbFactory ? 'cache.idbFactory' : t && (t.fetch ? 'telemetry.fetch' : t.idbFactory ? 'telemetry.idbFactory' : undefined));
  if (local) return local;
  return {
    ...(rest as WorkerClientOptions),
    manifestUrl: absolute(o.manifestUrl), assetsUrl: absolute(o.assetsUrl),
    telemetry: t && { ...t, endpoint: absolute(t.endpoint) },
  };
}

/**
 * The worker-mode client. `direct` makes the direct-mode client used as the fallback.
 * @example
 * const client = await createWorkerClient({ worker: true }, createClient);
 */
export async function createWorkerClient(options: ClientOptions, direct: (o: ClientOptions) => Client | Promise<Client>): Promise<Client> {
  const { worker = true, workerFallback = true, onDeliveryEvent } = options;
  const spec = typeof worker === 'object' && !(worker instanceof URL) ? worker : absolute(String(worker === true ? new URL('./worker.js', import.meta.url) : worker));
  const url = typeof spec === 'string' ? spec : 'passed in options.worker';
  let started, page;
  try {
    const wire = wireOptions(options);
    if (typeof wire === 'string') throw unavailable(url, `option ${wire} cannot cross into a worker; leave it out or use direct mode`);
    page = wire.telemetry ? (await import('./page-telemetry.js')).pageTelemetry(wire.telemetry) : undefined;
    // Remembered self-test passes: the worker has no localStorage (not with idbFactory: false, as direct mode).
    started = await startWorker(spec, wire, onDeliveryEvent, page?.args, options.idbFactory === false ? [] : pagePasses());
  } catch (err) {
    if (!workerFallback || !isInferScopeError(err, 'WORKER_UNAVAILABLE')) throw err;
    onDeliveryEvent?.({ type: 'worker-unavailable', url, reason: err.message });
    return direct({ ...options, worker: false });
  }
  const { rpc, close, telemetryUrl } = started;
  const { remote } = rpc;
  onDeliveryEvent?.({ type: 'worker-started', url });
  const models = new Map<number, ReturnType<typeof remoteModel>>();
  let disposed = false;
  let loads = 0;
  const events = page?.attach(remote, telemetryUrl, () => !disposed);

  const gone = () => new InferScopeError('DISPOSED', 'this client was disposed; create a new one');

  async function load(target: string | WireUrlTarget & Pick<ClientOptions, never>, loadOptions: Parameters<Client['load']>[1] = {}): Promise<Model> {
    if (disposed) throw gone();
    // Not an id and not an object (undefined, null, a number): the worker answers it as direct mode does.
    const byId = typeof target === 'string' || target === null || typeof target !== 'object';
    const { onProgress, signal, ...rest } = (byId ? loadOptions ?? {} : target) as NonNullable<Parameters<Client['load']>[1]>;
    const abortId = signal ? ++loads : undefined;
    const onAbort = () => void remote.abort(abortId!).catch(() => {});
    signal?.addEventListener('abort', onAbort);
    const progress = onProgress && rpc.fn(onProgress);
    try {
      const pending = remote.load(byId ? target : { ...(rest as WireUrlTarget), url: absolute((rest as WireUrlTarget).url) }, byId ? rest : {}, progress, abortId);
      if (signal?.aborted) onAbort();
      const info = await pending;
      let r = models.get(info.handle);
      if (r) r.set(info);
      else models.set(info.handle, r = remoteModel(info, rpc, () => models.delete(info.handle)));
      return r.model;
    } finally {
      rpc.drop(progress);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  // After dispose() the worker is gone: answer here, as a direct-mode client would.
  const live = <T>(run: () => Promise<T>, after: T | InferScopeError): Promise<T> =>
    (!disposed ? run() : after instanceof InferScopeError ? Promise.reject(after) : Promise.resolve(after));
  return {
    load: load as Client['load'],
    cached: () => live(() => remote.cached(), gone()),
    evict: (id, version) => live(() => remote.evict(id, version), gone()),
    feedback: (id, label) => live(() => remote.feedback(id, label), false),
    flush: () => live(() => remote.flush(), undefined),
    async dispose() {
      if (disposed) return;
      disposed = true;
      events?.stop();
      for (const r of [...models.values()]) r.model.dispose();
      try { await remote.dispose(); } finally { close(gone()); }
    },
  };
}
