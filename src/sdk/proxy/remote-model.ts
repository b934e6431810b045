// The page's Model in worker mode: the same interface, every call a message to the worker.
// backend, fallbacks and version are what the worker last reported (each answer carries them, so
// a failover mid-session shows up with the prediction that caused it, a channel swap with the
// load() or prediction after it). `set` takes a newer report (worker-client.ts, on a repeat load).
import { transfer, type Remote } from 'comlink';
import { InferScopeError } from '../errors.js';
import type { Model } from '../model.js';
import type { ModelInfo, ModelState, WorkerHost } from '../worker/wire.js';
import { call } from './call.js';
import { toWireInput } from './to-wire-input.js';

export function remoteModel(info: ModelInfo, remote: Remote<WorkerHost>, onDispose: () => void): { model: Model; set(s: ModelState): void } {
  const { handle } = info;
  let { backend, fallbacks, version } = info;
  const set = (s: ModelState) => { ({ backend, fallbacks, version } = s); };
  let disposed = false;
  const disposedError = () => new InferScopeError('DISPOSED', `model '${info.id}' was disposed; load it again`);

  async function send<T extends { state: ModelState }>(input: unknown, run: (wire: unknown) => Promise<T>): Promise<T> {
    if (disposed) throw disposedError();
    const moved = new Set<Transferable>();
    const wire = await toWireInput(input, moved);
    const r = await call(run(wire !== null && typeof wire === 'object' ? transfer(wire, [...moved]) : wire));
    set(r.state);
    return r;
  }

  const model: Model = {
    id: info.id,
    get version() { return version; },
    format: info.format,
    get backend() { return backend; },
    get fallbacks() { return fallbacks.slice(); },
    async predict(input) {
      const t0 = performance.now();
      const { prediction } = await send(input, (w) => remote.predict(handle, w));
      prediction.ms = performance.now() - t0; // what the page waited, round trip included
      return prediction;
    },
    async explain(input, options) {
      return (await send(input, (w) => remote.explain(handle, w, options))).explanation;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      remote.disposeModel(handle).catch(() => {});
      onDispose();
    },
  };
  return { model, set };
}
