// What runs in the worker: one direct-mode client (tfjs, backends, delivery, telemetry,
// explain: the same code as on the page) behind the calls of WorkerHost. Models are numbered
// handles; the page keeps a thin Model per handle (src/sdk/proxy/remote-model.ts).
import * as tf from '@tensorflow/tfjs-core';
import { createClient, type Client } from '../client.js';
import { InferScopeError } from '../errors.js';
import { mark } from '../mark.js';
import { checkTelemetryOptions, type TelemetryOptions } from '../telemetry/options.js';
import type { Model } from '../model.js';
import { relayedPageEvents } from './page-events.js';
import { reply } from './reply.js';
import { workerPasses } from './worker-passes.js';
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

  // What the page's copy of a model last heard (remote-model.ts keeps it): an answer carries the
  // state only when it changed (a failover, a channel's new version), not on every prediction.
  // (fallbacks only grow, so their count tells a change.)
  const told = new Map<number, string>();
  const key = (m: Model) => `${m.backend} ${m.version} ${m.fallbacks.length}`;
  function news(handle: number, m: Model): ModelState | undefined {
    if (told.get(handle) === key(m)) return undefined;
    told.set(handle, key(m));
    return state(m);
  }

  return {
    init(options, onEvent, passes, savePass, onPending, stash, release) {
      mark('worker-init');
      page = relayedPageEvents(onPending && ((...a) => { void onPending(...a); }), stash && release && { ...stash, release: (ids) => void Promise.resolve(release(ids)).catch(() => {}) });
      const telemetry = options.telemetry ? { ...options.telemetry, ...local.telemetry, pageEvents: page } : options.telemetry;
      client = createClient({ ...options, fetch: local.fetch, telemetry, onDeliveryEvent: onEvent && ((e) => void onEvent(e)), startBackend: true,
        pageStore: passes && typeof passes === 'object' ? workerPasses(passes, savePass && ((k, v) => void savePass(k, v))) : undefined });
      return telemetry && telemetry.endpoint ? checkTelemetryOptions(telemetry as TelemetryOptions & { endpoint: string }) : undefined;
    },
    async load(target, options, onProgress, abortId) {
      const ac = abortId ? new AbortController() : undefined;
      if (ac) aborts.set(abortId!, ac);
      // Progress events leave on the same port as the answer, before it (serve.ts): every one
      // reaches the page before load() resolves, as in direct mode.
      const extra = { onProgress, signal: ac?.signal };
      try {
        // Not an object (a wrong call: undefined, null, a number): as given, so the error says what it got.
        const m = typeof target === 'string' || target === null || typeof target !== 'object' ? await live().load(target, { ...options, ...extra }) : await live().load({ ...target, ...extra });
        // load() of a model the client already runs answers that same model (direct mode: the
        // same object, swapped in place to a channel's new version): the page keeps one per handle.
        let handle = [...models].find(([, v]) => v === m)?.[0];
        if (handle === undefined) models.set(handle = next++, m);
        told.set(handle, key(m));
        return { handle, id: m.id, format: m.format, ...state(m) };
      } finally {
        if (abortId) aborts.delete(abortId);
      }
    },
    abort(abortId) { aborts.get(abortId)?.abort(); }, // the same abort reason as a direct-mode signal
    // The answer leaves first; freeing the input's tensors waits until it is posted (reply.ts).
    async predict(handle, input) {
      const m = model(handle);
      const owned: { dispose(): void }[] = [];
      const free = () => { for (const o of owned) o.dispose(); };
      try {
        const p = await m.predict(reviveInput(input, owned) as never);
        const copy = m.backend === 'cpu';
        p.data = ownBuffer(p.data, copy);
        const moved: Transferable[] = [p.data.buffer as ArrayBuffer];
        if (p.outputs) {
          p.outputs = p.outputs.map((o, i) => ({ ...o, data: i === 0 ? p.data : ownBuffer(o.data, copy) }));
          for (const o of p.outputs) if (!moved.includes(o.data.buffer as ArrayBuffer)) moved.push(o.data.buffer as ArrayBuffer);
        }
        return reply({ prediction: p, state: news(handle, m) }, moved, free);
      } catch (err) {
        free();
        throw err;
      }
    },
    explain(handle, input, options) {
      const m = model(handle);
      return withInput(input, async (x) => ({ explanation: await m.explain(x as never, options), state: news(handle, m) }));
    },
    disposeModel(handle) { models.get(handle)?.dispose(); models.delete(handle); told.delete(handle); },
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
    adopt: (stash) => page.adopt(stash),
  };
}
