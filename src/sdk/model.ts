// A loaded model: predict with shape checks, plain-data results, telemetry, and failover to the
// next backend when the current one breaks mid-session (lost GPU device, missing kernel).
import * as tf from '@tensorflow/tfjs-core';
import type { InputSpec, OutputSpec } from '../protocol/manifest-types.js';
import { randomHex } from '../protocol/random-hex.js';
import type { BackendName } from '../protocol/wire-types.js';
import { forgetSelfTest } from './backends.js';
import { tryBackend, type Fallback, type Placement, type PlaceOptions } from './choose-backend.js';
import { exclusive, onBackend } from './engine-gate.js';
import { InferScopeError, isInferScopeError } from './errors.js';
import { checkProbe, materialize, nonFiniteProbe, prepareInputs, type ModelInput } from './inputs.js';
import { INTERNAL, type ModelInternals } from './model-internal.js';
import { readOutputs, topK, type OutputData, type TopEntry } from './outputs.js';
import type { ExplainOptions, Explanation } from './explain/types.js';
import type { LoadTarget } from './resolve-target.js';
import type { Telemetry } from './telemetry/index.js';

export interface Prediction {
  /** Pass to client.feedback(id, label) when the true label is known. */
  id: string;
  /** The first output, flattened. */
  data: Float32Array;
  shape: number[];
  /** With one example: its top-k classes; with a batch: the top class of each example. Needs a [batch, classes] output. */
  top?: { label: string; score: number }[];
  /** Wall time of predict() in milliseconds (inputs in, numbers out). */
  ms: number;
  /** Every output, when the model has more than one. */
  outputs?: OutputData[];
  /** Things about the input the caller should know, e.g. a tabular value outside the training range. */
  warnings?: string[];
}

export interface Model {
  readonly id: string;
  readonly version: string;
  /** The backend the model runs on now. */
  readonly backend: BackendName;
  /** Backends skipped or abandoned, with why, in the order it happened. */
  readonly fallbacks: readonly Fallback[];
  readonly format: 'graph-model' | 'layers-model';
  predict(input: ModelInput): Promise<Prediction>;
  /** Attributions of one example's prediction (integrated gradients or KernelSHAP; loaded on first use). */
  explain(input: ModelInput, options?: ExplainOptions): Promise<Explanation>;
  dispose(): void;
}

export interface ModelDeps {
  target: LoadTarget;
  artifacts: tf.io.ModelArtifacts;
  placement: Placement;
  place: PlaceOptions;
  telemetry: Telemetry;
  topK: number;
  onDispose(): void;
  /** Called once, after the first prediction that answers ('auto' starts its idle pass there);
   *  what it returns is called on dispose (the pass stops). */
  afterFirst?: (model: Model) => () => void;
}

export function createModel(deps: ModelDeps): Model {
  const { target, artifacts, place, telemetry, topK: k, onDispose } = deps;
  let { backend, tfm, remaining } = deps.placement;
  let stopPass: (() => void) | undefined; // set once: afterFirst returns it
  const fallbacks: Fallback[] = [...deps.placement.fallbacks];
  const specs: InputSpec[] = target.inputs ?? [];
  const outSpecs: OutputSpec[] = target.outputs ?? [];
  const labels = outSpecs[0]?.labels;
  // Drift: the telemetry recorder bins each example on device against the baseline's edges.
  const drift = target.baseline && { features: target.baseline.features, image: specs[0]?.image };
  // Training-range warnings: only models with a tabular baseline load that code (its own chunk);
  // if it cannot load, predictions answer without warnings.
  const range = target.baseline?.features.some((f) => f.index !== undefined) && !specs[0]?.image
    ? import('./range-check.js').then((m) => m.rangeChecker(target.baseline!), () => null) : null;
  const prepOpts = { allowNonFinite: target.allowNonFinite === true };
  let disposed = false;
  let generation = 0;
  let switching: Promise<boolean> | null = null;

  const disposedError = () => new InferScopeError('DISPOSED', `model '${target.id}' was disposed; load it again`);

  // Move to the next backend after `reason` broke the current one. Deduplicated: concurrent
  // failures of the same generation share one switch.
  function failover(gen: number, reason: string): Promise<boolean> {
    if (gen !== generation) return Promise.resolve(true);
    switching ??= (async () => {
      fallbacks.push({ backend, reason });
      forgetSelfTest(backend, place.ctx);
      try { tfm.dispose(); } catch { /* the backend may be gone */ }
      while (remaining.length) {
        const next = remaining.shift()!;
        const r = await tryBackend(next, artifacts, place);
        if (typeof r !== 'string') { backend = next; tfm = r; generation++; return true; }
        fallbacks.push({ backend: next, reason: r });
      }
      return false;
    })().finally(() => { switching = null; });
    return switching;
  }

  async function predict(input: ModelInput): Promise<Prediction> {
    if (disposed) throw disposedError();
    const t0 = performance.now();
    const id = randomHex();
    // Drawn up front so a prediction telemetry will not record (telemetry off, or sampled out)
    // costs nothing: no input copy and readback for drift, no event. null: telemetry samples itself.
    const recorded = telemetry.sample ? telemetry.sample() : null;
    const sampled = telemetry.sampleExplanation(); // explained later, in idle time
    // `on`: where this prediction ran, even if later ones moved meanwhile (failover, 'auto').
    const record = (ms: number, top?: TopEntry[][], error?: string, inputs?: () => Float32Array[], on = backend) => {
      if (recorded === false) return;
      try {
        telemetry.recordPrediction({
          id, model: target.id, version: target.version, backend: on, variant: target.variant, ms, error, inputs, baseline: drift, sampled: recorded === true,
          top: top?.map((t) => ({ index: t[0]!.index, label: labels?.[t[0]!.index], score: t[0]!.score })),
        });
      } catch { /* telemetry never throws into predict */ }
    };
    try {
      const prepared = prepareInputs(input, tfm.inputs, specs, prepOpts);
      for (;;) {
        const gen = generation, current = tfm, on = backend;
        let baselineCopy: tf.Tensor | null = null;
        let explainCopy: tf.Tensor | null = null;
        let probe: tf.Tensor | null = null;
        try {
          const outs = await onBackend(on, () => {
            const { tensors, owned } = materialize(prepared, current.inputs);
            probe = nonFiniteProbe(prepared, tensors, prepOpts);
            if (drift && (recorded !== false || range)) baselineCopy = tf.clone(tensors[0]!);
            if (sampled) explainCopy = tf.slice(tensors[0]!, [0], [1]);
            const release = () => { for (const t of owned) t.dispose(); };
            let r: tf.Tensor[] | Promise<tf.Tensor[]>;
            try { r = current.run(tensors); } catch (err) { release(); throw err; }
            if (r instanceof Promise) return r.finally(release);
            release();
            return r;
          });
          const outputs = await readOutputs(outs, current.outputs);
          const probed = probe as tf.Tensor | null;
          if (probed) await checkProbe(probed, prepared, tfm.inputs);
          const inputs = baselineCopy ? await readBaselineInputs(baselineCopy) : undefined;
          const warnings = range && inputs && (await range)?.(inputs());
          const first = outputs[0]!;
          const classes = first.shape.length === 2 ? first.shape[1]! : 0;
          // A batch answers with each example's top class only, so rank just that (k = 1).
          const tops = classes > 1 ? topK(first, first.shape[0] === 1 ? k : 1, labels) : undefined;
          const ms = performance.now() - t0;
          record(ms, tops, undefined, inputs, on);
          if (explainCopy) {
            // Sampled explanations (explainSampleRate) load their code on first use: the idle
            // scheduler hands the copy to the explain chunk, or drops it if that fails to load.
            const copy: tf.Tensor = explainCopy;
            explainCopy = null;
            import('./explain/idle.js').then(
              (m) => m.explainWhenIdle(model, copy, telemetry, { model: target.id, version: target.version, variant: target.variant }),
              () => copy.dispose(),
            );
          }
          const result: Prediction = { id, data: first.data, shape: first.shape, ms };
          if (tops && (labels || tops.length > 0)) {
            result.top = tops.length === 1 ? tops[0]!.map(({ label, score }) => ({ label, score })) : tops.map(([t]) => ({ label: t!.label, score: t!.score }));
          }
          if (outputs.length > 1) result.outputs = outputs;
          if (warnings) result.warnings = warnings;
          stopPass ??= deps.afterFirst?.(model);
          return result;
        } catch (err) {
          (baselineCopy as tf.Tensor | null)?.dispose();
          (explainCopy as tf.Tensor | null)?.dispose();
          (probe as tf.Tensor | null)?.dispose();
          if (disposed) throw disposedError();
          if (isInferScopeError(err)) throw err;
          if (!(await failover(gen, `predict failed: ${(err as Error)?.message ?? String(err)}`))) {
            throw new InferScopeError('PREDICT_FAILED', `predict failed on every backend: ${fallbacks.map((f) => `${f.backend}: ${f.reason}`).join('; ')}`, { cause: err });
          }
        }
      }
    } catch (err) {
      const e = isInferScopeError(err) ? err : new InferScopeError('PREDICT_FAILED', `predict failed: ${(err as Error)?.message}`, { cause: err });
      record(performance.now() - t0, undefined, e.code);
      throw e;
    }
  }

  const internalsObj: ModelInternals = {
    tfModel: () => tfm,
    backend: () => backend,
    inputSpecs: specs,
    outputSpecs: outSpecs,
    artifacts,
    prepare: (input) => prepareInputs(input, tfm.inputs, specs, prepOpts),
    onBackend: (fn) => { if (disposed) return Promise.reject(disposedError()); return onBackend(backend, fn); },
    timings: deps.placement.timings,
    baseline: target.baseline,
    fallbacks,
    moveTo(from, next, t) {
      // Between predictions: each one took its model and backend in one synchronous turn and
      // queued its run on the engine gate, so the old model is disposed after those runs.
      if (disposed || switching || tfm !== from) return false;
      remaining = [backend, ...remaining.filter((b) => b !== next)];
      backend = next; tfm = t; generation++;
      void exclusive(() => from.dispose());
      return true;
    },
  };

  const model: Model & { [INTERNAL]: ModelInternals } = {
    id: target.id,
    version: target.version,
    get backend() { return backend; },
    get fallbacks() { return fallbacks.slice(); },
    format: tfm.format,
    predict,
    explain: async (input, options) => {
      if (disposed) throw disposedError();
      return (await import('./explain/model-explain.js')).explainModel(model, input, options);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      stopPass?.();
      try { tfm.dispose(); } catch { /* backend may be gone */ }
      onDispose();
    },
    [INTERNAL]: internalsObj,
  };
  Object.defineProperty(model, INTERNAL, { enumerable: false });
  return model;
}

/** Per-example flattened input values for drift, read only for models with a baseline. */
async function readBaselineInputs(copy: tf.Tensor | null): Promise<(() => Float32Array[]) | undefined> {
  if (!copy) return undefined;
  try {
    const values = Float32Array.from(await copy.data() as ArrayLike<number>);
    const n = copy.shape[0] ?? 1;
    const per = values.length / n;
    return () => Array.from({ length: n }, (_, i) => values.subarray(i * per, (i + 1) * per));
  } finally {
    copy.dispose();
  }
}
