// The page's Model in worker mode: the same interface, every call a message to the worker.
// backend and fallbacks are what the worker last reported (each answer carries them, so a
// failover mid-session shows up with the prediction that caused it).
import { transfer, type Remote } from 'comlink';
import { InferScopeError } from '../errors.js';
import type { Model } from '../model.js';
import type { ModelInfo, ModelState, WorkerHost } from '../worker/wire.js';
import { call } from './call.js';
import { toWireInput } from './to-wire-input.js';

export function remoteModel(info: ModelInfo, remote: Remote<WorkerHost>, onDispose: () => void): Model {
  const { handle } = info;
  let { backend, fallbacks } = info;
  let disposed = false;
  const disposedError = () => new InferScopeError('DISPOSED', `model '${info.id}' was disposed; load it again`);

  async function send<T extends { state: ModelState }>(input: unknown, run: (wire: unknown) => Promise<T>): Promise<T> {
    if (disposed) throw disposedError();
    const moved = new Set<Transferable>();
    const wire = await toWireInput(input, moved);
    const r = await call(run(wire !== null && typeof wire === 'object' ? transfer(wire, [...moved]) : wire));
    ({ backend, fallbacks } = r.state);
    return r;
  }

  return {
    id: info.id,
    version: info.version,
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
}
