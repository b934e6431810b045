// Where load() places a model, by backendPolicy. 'first-working': the first backend in the order
// that runs it. 'fastest': time the real model on every candidate and keep the quickest. 'auto'
// (the default): serve on the first working backend now, time the rest in idle time after the
// first prediction (auto-pass.ts, its own chunk). The winner is remembered per device and model
// version (verdict-store), so later loads go straight to it. A lazy chunk, fetched at the start of
// load() while delivery downloads and verifies the model, so the core stays small.
import type * as tf from '@tensorflow/tfjs-core';
import type { BackendName } from '../protocol/wire-types.js';
import { ensureBackend, forgetSelfTest, type BackendContext, type Readiness } from './backends.js';
import { runOnce, tryBackend, type BackendPolicy, type Fallback, type Placement, type PlaceOptions } from './choose-backend.js';
import type { DeliveryEvent } from './delivery/types.js';
import type { TfModel } from './tf-model.js';
import { createVerdictStore, type VerdictStore } from './verdict-store.js';

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const reasonOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

export interface PolicyOptions extends PlaceOptions {
  id: string;
  version: string;
  /** The client's backends, in its order (the verdict key names them; 'fastest' times them in it). */
  backends: BackendName[];
  /** The client's verdict store, made on first use (IndexedDB through `idbFactory`). */
  verdicts(make: typeof createVerdictStore): VerdictStore;
  /** Timed runs per backend. */
  runs: number;
  emit(e: DeliveryEvent): void;
}

type Order = { order: BackendName[]; notes: Fallback[] };
const orders = new WeakMap<BackendContext, Promise<Order>>();

/**
 * The order to try, once per client (keyed by its BackendContext): `backends`, with webgpu after
 * wasm on a software adapter and the reason in `notes`. The adapter probe is its own chunk,
 * loaded only where WebGPU exists and is listed (gpu-adapter.ts).
 */
function orderOf(backends: BackendName[], ctx: BackendContext): Promise<Order> {
  let o = orders.get(ctx);
  if (!o) {
    o = ctx.caps.webgpu && backends.includes('webgpu')
      ? import('./gpu-adapter.js').then((m) => m.backendOrder(backends, ctx.caps))
      : Promise.resolve({ order: backends, notes: [] });
    orders.set(ctx, o);
  }
  return o;
}

/**
 * Starting the first backend and its self-test needs no model bytes: load() calls this while
 * delivery reads and verifies them (placement then awaits the same memoized readiness).
 * 'fastest' starts every backend itself. `reads`: settles once delivery has opened its database
 * and sent the warm load's reads. The self-test waits for it: it holds the main thread for
 * milliseconds, and an IndexedDB answer that arrives meanwhile waits too, so a self-test run
 * first would put the open and every read after it; sent first, they are served while it runs.
 */
export function prestart(policy: BackendPolicy, backends: BackendName[], ctx: BackendContext, readiness: Map<BackendName, Promise<Readiness>>, reads?: Promise<unknown>): void {
  if (policy !== 'fastest') orderOf(backends, ctx).then((o) => ensureBackend(o.order[0]!, ctx, readiness, reads)).catch(() => {});
}

/** What the idle pass needs besides PolicyOptions. */
export interface Remembered extends PolicyOptions { store: VerdictStore; verdictKey: string }

type Placed = { placement: Placement | null; fallbacks: Fallback[]; afterFirst?: (model: object) => () => void };

/**
 * Places the model by `policy`. 'auto' and 'fastest' first look for a verdict remembered for this
 * device and version: its backend goes first, nothing is timed. Else 'fastest' times every backend
 * now, and 'auto' serves on the first working one and hands back `afterFirst`, which starts the
 * idle pass once the model has answered its first prediction.
 */
export async function placeBy(policy: BackendPolicy, artifacts: tf.io.ModelArtifacts, opts: PolicyOptions): Promise<Placed> {
  // 'fastest' times every backend in the caller's order, so it needs no adapter probe.
  const { order, notes } = policy === 'fastest' ? { order: opts.backends, notes: [] } : await orderOf(opts.backends, opts.ctx);
  // One backend to try: 'auto' has nothing to choose or time, so its verdict (an IndexedDB open
  // and read, after the model's bytes arrived and before the build) could only name that backend.
  if (policy === 'first-working' || (policy === 'auto' && order.length < 2)) return firstWorking(order, artifacts, opts, [...notes]);
  const o: Remembered = { ...opts, store: opts.verdicts(createVerdictStore), verdictKey: `${opts.id}@${opts.version}|${opts.backends.join(',')}` };
  const verdict = await o.store.get(o.verdictKey);
  if (verdict && order.includes(verdict.backend)) {
    return firstWorking([verdict.backend, ...order.filter((b) => b !== verdict.backend)], artifacts, o, [...notes]);
  }
  if (policy === 'fastest') return placeFastest(artifacts, order, o);
  const placed: Placed = await firstWorking(order, artifacts, o, [...notes]);
  const candidates = [...(placed.placement?.remaining ?? [])]; // failover shifts the placement's own list
  // One working backend listed: nothing to compare, nothing timed.
  if (candidates.length) placed.afterFirst = (model) => {
    // Stoppable before its chunk has loaded: dispose() right after the first prediction.
    const stop = { stopped: false, cancel() {} };
    import('./auto-pass.js').then((a) => a.autoPass(model, { ...o, artifacts, candidates }, stop), () => {});
    return () => { stop.stopped = true; stop.cancel(); };
  };
  return placed;
}

/** Resolves a null placement (with every reason in `fallbacks`) if no backend works. */
async function placeFastest(artifacts: tf.io.ModelArtifacts, candidates: BackendName[], o: Remembered): Promise<Placed> {
  const fallbacks: Fallback[] = [];
  const timings: Partial<Record<BackendName, number>> = {};
  let best: { backend: BackendName; tfm: TfModel; ms: number } | null = null;
  for (const backend of candidates) {
    const r = await tryBackend(backend, artifacts, { ...o, warmup: true }, fallbacks);
    if (typeof r === 'string') { fallbacks.push({ backend, reason: r }); continue; }
    try {
      const times: number[] = [];
      for (let i = 0; i < o.runs; i++) times.push(await runOnce(backend, r, o.specs));
      const ms = median(times);
      timings[backend] = ms;
      if (!best || ms < best.ms) { best?.tfm.dispose(); best = { backend, tfm: r, ms }; } else r.dispose();
    } catch (err) {
      r.dispose();
      fallbacks.push({ backend, reason: `timing the model failed: ${reasonOf(err)}` });
      forgetSelfTest(backend, o.ctx);
    }
  }
  if (!best) return { placement: null, fallbacks };
  await o.store.put(o.verdictKey, { backend: best.backend, timings, at: Date.now() });
  const remaining = candidates.filter((b) => b !== best!.backend && timings[b] != null);
  return { placement: { backend: best.backend, tfm: best.tfm, fallbacks, remaining, timings }, fallbacks };
}

/**
 * 'first-working': the first backend in `order` that is ready and runs the model. Resolves a null
 * placement (with every reason in `fallbacks`) if none works.
 */
async function firstWorking(order: BackendName[], artifacts: tf.io.ModelArtifacts, o: PlaceOptions, fallbacks: Fallback[] = []): Promise<{ placement: Placement | null; fallbacks: Fallback[] }> {
  for (let i = 0; i < order.length; i++) {
    const backend = order[i]!;
    const r = await tryBackend(backend, artifacts, o, fallbacks);
    if (typeof r !== 'string') return { placement: { backend, tfm: r, fallbacks, remaining: order.slice(i + 1) }, fallbacks };
    fallbacks.push({ backend, reason: r });
  }
  return { placement: null, fallbacks };
}
