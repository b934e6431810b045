// backendPolicy 'auto' after the model serves: in idle time, time the real model on the other
// working backends and move later predictions to the fastest. Loaded (a lazy chunk) after the
// first prediction of a model version this device has not timed yet, so neither load() nor the
// first prediction waits for it, and pages that never reach it never download it.
//
// Guarantees: serving never breaks. A backend that fails to start, to build the model or while
// timed is skipped with its reason in model.fallbacks. Each step (timing the serving backend,
// then one candidate each) runs in its own idle slice (requestIdleCallback, else a timer: workers
// and Node have no idle callback); timed runs queue on the engine gate like predictions, so they
// never run inside one. The move itself is model.moveTo (between predictions). dispose() cancels
// the pending slice, and a step that was running frees what it built and stops.
import type { BackendName } from '../protocol/wire-types.js';
import { forgetSelfTest } from './backends.js';
import { runOnce, tryBackend } from './choose-backend.js';
import { internals } from './model-internal.js';
import { median, type Remembered } from './place.js';
import type { TfModel } from './tf-model.js';
import type * as tf from '@tensorflow/tfjs-core';

export interface AutoPassOptions extends Remembered {
  artifacts: tf.io.ModelArtifacts;
  /** Backends to time besides the serving one, in preference order. */
  candidates: BackendName[];
}

// Without requestIdleCallback: a short timer, so a burst of first predictions goes first.
const TIMER_MS = 200;
// A candidate whose quickest run is this many times the best median cannot win: stop timing it
// (a software WebGPU adapter runs ~100 ms where wasm runs ~1 ms; no need to wait for 5 runs).
const HOPELESS = 4;

const reasonOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

type Idle = { requestIdleCallback?(cb: () => void, o?: { timeout: number }): number; cancelIdleCallback?(h: number): void };

/** How dispose() reaches the pass: `stopped` is set and `cancel` (the pending slice's) called. */
export interface Stop { stopped: boolean; cancel(): void }

/** Resolves true in the next idle slice, false once the model is disposed. */
function idleSlice(stop: Stop): Promise<boolean> {
  return new Promise((resolve) => {
    if (stop.stopped) return resolve(false);
    const g = globalThis as Idle;
    if (g.requestIdleCallback && g.cancelIdleCallback) {
      const h = g.requestIdleCallback(() => resolve(!stop.stopped), { timeout: 10_000 });
      stop.cancel = () => { g.cancelIdleCallback!(h); resolve(false); };
    } else {
      const t = setTimeout(() => resolve(!stop.stopped), TIMER_MS);
      stop.cancel = () => { clearTimeout(t); resolve(false); };
    }
  });
}

/** Median ms of up to `runs` runs (fewer once it is hopeless against `bestMs`). */
async function time(backend: BackendName, tfm: TfModel, o: AutoPassOptions, bestMs: number): Promise<number> {
  const hook = o.ctx.hooks?.timing?.[backend];
  const times: number[] = [];
  for (let i = 0; i < o.runs; i++) {
    if (hook === 'throw') throw new Error(`test hook: timing ${backend} throws`);
    times.push((await runOnce(backend, tfm, o.specs)) + (hook ?? 0));
    if (Math.min(...times) > HOPELESS * bestMs) break;
  }
  return median(times);
}

/** Runs the idle pass for `model`; resolves when it is done, cancelled or failed (never rejects). */
export async function autoPass(model: object, o: AutoPassOptions, stop: Stop): Promise<void> {
  const m = internals(model);
  const slice = () => idleSlice(stop), stopped = () => stop.stopped;
  const from = m.tfModel(), start = m.backend();
  const timings: Partial<Record<BackendName, number>> = {};
  let best: { backend: BackendName; tfm: TfModel; ms: number } | null = null;
  const drop = () => { if (best && best.tfm !== from) best.tfm.dispose(); };
  try {
    if (!(await slice())) return;
    best = { backend: start, tfm: from, ms: (timings[start] = await time(start, from, o, Infinity)) };
    for (const backend of o.candidates.filter((b) => b !== start)) { // a failover may have moved to one
      if (!(await slice())) return drop();
      const r = await tryBackend(backend, o.artifacts, { ...o, warmup: true });
      if (typeof r === 'string') { m.fallbacks.push({ backend, reason: r }); continue; }
      let ms: number;
      try {
        ms = await time(backend, r, o, best.ms);
      } catch (err) {
        r.dispose();
        m.fallbacks.push({ backend, reason: `timing the model failed: ${reasonOf(err)}` });
        forgetSelfTest(backend, o.ctx);
        continue;
      }
      timings[backend] = ms;
      if (stopped() || ms >= best.ms) { r.dispose(); continue; }
      drop();
      best = { backend, tfm: r, ms };
    }
    if (stopped()) return drop();
    // Remembered whichever way it went, so the next page load starts there and does not re-time.
    await o.store.put(o.verdictKey, { backend: best.backend, timings, at: Date.now() });
    const { id, version } = o;
    if (best.backend === start) return o.emit({ type: 'backend-timed', id, version, backend: start, timings });
    if (!m.moveTo(from, best.backend, best.tfm)) return drop(); // disposed, or failover moved it meanwhile
    o.emit({ type: 'backend-switched', id, version, from: start, to: best.backend, timings });
  } catch {
    // The serving backend itself failed a timed run: predict's failover deals with that backend.
    drop();
  }
}
