// Where a model runs: a backend that is ready, self-tested and runs the real model. The policies
// that pick among them (place.ts, a lazy chunk) and predict's failover (model.ts) build on these.
import * as tf from '@tensorflow/tfjs-core';
import type { InputSpec } from '../protocol/manifest-types.js';
import type { BackendName } from '../protocol/wire-types.js';
import { ensureBackend, forgetSelfTest, type BackendContext, type Readiness } from './backends.js';
import { onBackend } from './engine-gate.js';
import { isInferScopeError } from './errors.js';
import { mark } from './mark.js';
import { createTfModel, type TensorInfo, type TfModel } from './tf-model.js';

export type BackendPolicy = 'auto' | 'first-working' | 'fastest';
export interface Fallback { backend: BackendName; reason: string }

export interface Placement {
  backend: BackendName;
  tfm: TfModel;
  fallbacks: Fallback[];
  /** Backends after the chosen one, in preference order: where predict goes if this one fails. */
  remaining: BackendName[];
  /** Median ms per backend when 'fastest' timed them in this load. */
  timings?: Partial<Record<BackendName, number>>;
}

export interface PlaceOptions {
  ctx: BackendContext;
  readiness: Map<BackendName, Promise<Readiness>>;
  warmup: boolean;
  specs?: InputSpec[];
}

const reasonOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Warm-up inputs that make sense for the model: the input's shape (free batch = 1, other free
 * dims from the spec, the image size or 32), zeros, except where zero is rarely valid: an input of
 * one value (a downsample ratio, threshold or step size; 0 traps some wasm kernels) gets 1. An
 * input of unknown rank gets the spec's shape, else a scalar 0 (the usual initial recurrent state).
 */
export function dummyInputs(infos: TensorInfo[], specs: InputSpec[] = []): tf.Tensor[] {
  return infos.map((info, i) => {
    const spec = specs.find((s) => s.name === info.name) ?? specs[i];
    if (info.anyRank) return tf.zeros(spec?.shape.map((d) => Math.max(1, d)) ?? [], info.dtype);
    const shape = info.shape.map((d, k) => {
      if (d !== -1) return d;
      if (spec?.shape?.[k] != null && spec.shape[k]! > 0) return spec.shape[k]!;
      if (k === 0) return 1;
      if (spec?.image && k === 1) return spec.image.height;
      if (spec?.image && k === 2) return spec.image.width;
      return 32;
    });
    return shape.every((d) => d === 1) ? tf.ones(shape, info.dtype) : tf.zeros(shape, info.dtype);
  });
}

/** One full run (inputs → outputs read back); used for warm-up and timing. */
export async function runOnce(backend: BackendName, tfm: TfModel, specs?: InputSpec[]): Promise<number> {
  const t0 = performance.now();
  const outs = await onBackend(backend, async () => {
    const ins = dummyInputs(tfm.inputs, specs);
    try { return await tfm.run(ins); } finally { tf.dispose(ins); }
  });
  try { await Promise.all(outs.map((o) => o.data())); } finally { tf.dispose(outs); }
  return performance.now() - t0;
}

/** Ready + instantiated + (optionally) warmed up on `backend`, or the reason it is not. */
export async function tryBackend(backend: BackendName, artifacts: tf.io.ModelArtifacts, o: PlaceOptions, notes?: Fallback[]): Promise<TfModel | string> {
  const ready = await ensureBackend(backend, o.ctx, o.readiness);
  if (!ready.ok) return ready.reason;
  if (ready.note) notes?.push({ backend, reason: ready.note });
  let tfm: TfModel | undefined;
  try {
    tfm = await onBackend(backend, () => createTfModel(artifacts));
    mark('model-built');
    // cpu is skipped: no shaders to compile and every kernel exists there, so its warm-up would
    // only be a second first-prediction (same cost, nothing learned); predict fails over if it breaks.
    if (o.warmup && backend !== 'cpu') {
      try {
        await runOnce(backend, tfm, o.specs);
        mark('warmup');
      } catch (err) {
        // Whether a failed warm-up demotes the backend: warmup-failure.ts, loaded only now.
        (await import('./warmup-failure.js')).keepAfterWarmupFailure(backend, err, notes);
      }
    }
    return tfm;
  } catch (err) {
    if (isInferScopeError(err, 'MODEL_INVALID')) throw err;
    try { tfm?.dispose(); } catch { /* backend may be gone */ }
    forgetSelfTest(backend, o.ctx);
    return `${tfm ? 'running the model' : 'building the model'} failed: ${reasonOf(err)}`;
  }
}
