// The page's Model in worker mode: the same interface, every call a message to the worker.
// backend, fallbacks and version are what the worker last reported (each answer carries them, so
// a failover mid-session shows up with the prediction that caused it, a channel swap with the
// load() or prediction after it). `set` takes a newer report (worker-client.ts, on a repeat load).
import { InferScopeError } from '../errors.js';
import type { Model } from '../model.js';
import type { ModelInfo, ModelState } from '../worker/wire.js';
import type { Rpc } from './rpc.js';
import { toWireInput } from './to-wire-input.js';

export function remoteModel(info: ModelInfo, rpc: Rpc, onDispose: () => void): { model: Model; set(s?: ModelState): void } {
  const { handle } = info;
  let { backend, fallbacks, version } = info;
  const set = (s?: ModelState) => { if (s) ({ backend, fallbacks, version } = s); };
  let disposed = false;
  const disposedError = () => new InferScopeError('DISPOSED', `model '${info.id}' was disposed; load it again`);

  async function send<T extends { state?: ModelState }>(input: unknown, run: (wire: unknown, moved: Transferable[]) => Promise<T>): Promise<T> {
    if (disposed) throw disposedError();
    const moved = new Set<Transferable>();
    const wire = toWireInput(input, moved);
    const r = await run(wire instanceof Promise ? await wire : wire, [...moved]);
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
      const { prediction } = await send(input, (w, moved) => rpc.call('predict', [handle, w], moved));
      prediction.ms = performance.now() - t0; // what the page waited, round trip included
      return prediction;
    },
    async explain(input, options) {
      return (await send(input, (w, moved) => rpc.call('explain', [handle, w, options], moved))).explanation;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      rpc.remote.disposeModel(handle).catch(() => {});
      onDispose();
    },
  };
  return { model, set };
}
