// What runs in the worker: one direct-mode client (tfjs, backends, delivery, telemetry,
// explain: the same code as on the page) behind the calls of WorkerHost. Models are numbered
// handles; the page keeps a thin Model per handle (src/sdk/proxy/remote-model.ts).
import * as tf from '@tensorflow/tfjs-core';
import { releaseProxy, transfer } from 'comlink';
import { createClient, type Client } from '../client.js';
import { InferScopeError } from '../errors.js';
import { checkTelemetryOptions, type TelemetryOptions } from '../telemetry/options.js';
import type { LoadProgress } from '../fetch-model.js';
import type { Model } from '../model.js';
import { relayedPageEvents } from './page-events.js';
import type { ModelState, WireTensor, WorkerHost } from './wire.js';

const isWireTensor = (x: unknown): x is WireTensor => typeof x === 'object' && x !== null && 'inferscopeTensor' in x;

/** The page's input with tensors rebuilt on this worker's tfjs; `owned` collects what to free. */
function reviveInput(x: unknown, owned: { dispose(): void }[]): unknown {
  if (isWireTensor(x)) {
    const { values, shape, dtype } = x.inferscopeTensor;
    const t = tf.tensor(values as Float32Array, shape, dtype as tf.DataType);
    owned.push(t);
    return t;
  }
  if (typeof ImageBitmap !== 'undefined' && x instanceof ImageBitmap) { owned.push({ dispose: () => x.close() }); return x; }
  if (Array.isArray(x)) return x.map((v) => reviveInput(v, owned));
  if (x !== null && typeof x === 'object' && !ArrayBuffer.isView(x) && Object.getPrototypeOf(x) === Object.prototype) {
    const out: Record<string, unknown> = Object.create(null);
    for (const [k, v] of Object.entries(x)) out[k] = reviveInput(v, owned);
    return out;
  }
  return x;
}

/** Output buffers to move to the page. On cpu, data() hands out the backend's own storage, which
 *  another live tensor may share: copy those instead of detaching them here. */
function ownBuffer(a: Float32Array, copy: boolean): Float32Array {
  return !copy && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && a.buffer instanceof ArrayBuffer ? a : a.slice();
}

/** Options only the worker script can give (see serve()): they win over nothing, since the page
 *  cannot send these; telemetry.fetch applies only when the page turned telemetry on. */
export interface WorkerLocalOptions { fetch?: typeof fetch; telemetry?: { fetch?: typeof fetch } }

export function createHost(local: WorkerLocalOptions = {}): WorkerHost {
  let page = relayedPageEvents();
  const models = new Map<number, Model>();
  const aborts = new Map<number, AbortController>();
  let client: Client | null = null;
  let next = 1;

  const live = () => client ?? (() => { throw new InferScopeError('DISPOSED', 'the worker client is not started or was disposed; create a new client'); })();
  const model = (handle: number) => models.get(handle) ?? (() => { throw new InferScopeError('DISPOSED', 'this model was disposed; load it again'); })();
  const state = (m: Model): ModelState => ({ backend: m.backend, fallbacks: [...m.fallbacks], version: m.version });

  async function withInput<T>(input: unknown, run: (x: unknown) => Promise<T>): Promise<T> {
    const owned: { dispose(): void }[] = [];
    try { return await run(reviveInput(input, owned)); } finally { for (const o of owned) o.dispose(); }
  }

  return {
    init(options, onEvent, onPending, stash, release) {
      page = relayedPageEvents(onPending && ((...a) => { void onPending(...a); }), stash && release && { ...stash, release: (ids) => void Promise.resolve(release(ids)).catch(() => {}) });
      const telemetry = options.telemetry ? { ...options.telemetry, ...local.telemetry, pageEvents: page } : options.telemetry;
      client = createClient({ ...options, fetch: local.fetch, telemetry, onDeliveryEvent: onEvent && ((e) => void onEvent(e)), startBackend: true });
      return telemetry && telemetry.endpoint ? checkTelemetryOptions(telemetry as TelemetryOptions & { endpoint: string }) : undefined;
    },
    async load(target, options, onProgress, abortId) {
      const ac = abortId ? new AbortController() : undefined;
      if (ac) aborts.set(abortId!, ac);
      // Progress travels on the callback's own MessageChannel, the answer on the worker's: nothing
      // orders the two. Each call resolves once the page ran it; load answers after all of them,
      // so every progress event reaches the page before load() resolves, as in direct mode (and
      // none is lost when the channel closes below).
      const shown: Promise<unknown>[] = [];
      const extra = { onProgress: onProgress && ((p: LoadProgress) => { shown.push(Promise.resolve(onProgress(p)).catch(() => {})); }), signal: ac?.signal };
      try {
        const m = typeof target === 'string' ? await live().load(target, { ...options, ...extra }) : await live().load({ ...target, ...extra });
        // load() of a model the client already runs answers that same model (direct mode: the
        // same object, swapped in place to a channel's new version): the page keeps one per handle.
        let handle = [...models].find(([, v]) => v === m)?.[0];
        if (handle === undefined) models.set(handle = next++, m);
        return { handle, id: m.id, format: m.format, ...state(m) };
      } finally {
        await Promise.all(shown);
        if (abortId) aborts.delete(abortId);
        (onProgress as { [releaseProxy]?: () => void } | undefined)?.[releaseProxy]?.(); // closes its MessageChannel
      }
    },
    abort(abortId) { aborts.get(abortId)?.abort(); }, // the same abort reason as a direct-mode signal
    predict(handle, input) {
      const m = model(handle);
      return withInput(input, async (x) => {
        const p = await m.predict(x as never);
        const copy = m.backend === 'cpu';
        p.data = ownBuffer(p.data, copy);
        if (p.outputs) p.outputs = p.outputs.map((o, i) => ({ ...o, data: i === 0 ? p.data : ownBuffer(o.data, copy) }));
        const buffers = new Set<ArrayBuffer>([p.data.buffer as ArrayBuffer, ...(p.outputs ?? []).map((o) => o.data.buffer as ArrayBuffer)]);
        return transfer({ prediction: p, state: state(m) }, [...buffers]);
      });
    },
    explain(handle, input, options) {
      const m = model(handle);
      return withInput(input, async (x) => ({ explanation: await m.explain(x as never, options), state: state(m) }));
    },
    disposeModel(handle) { models.get(handle)?.dispose(); models.delete(handle); },
    cached: () => live().cached(),
    evict: (id, version) => live().evict(id, version),
    feedback: (id, label) => live().feedback(id, label),
    flush: () => live().flush(),
    async dispose() {
      const c = client;
      client = null;
      models.clear();
      await c?.dispose();
    },
    hidden: () => page.hidden(),
    visible: () => page.visible(),
    online: () => page.online(),
    vital: (name, id, value) => page.vital(name, id, value),
  };
}
