// What other SDK modules (explain) may reach on a loaded model without it being public API.
// The key is a Symbol that src/index.ts does not export.
import type * as tf from '@tensorflow/tfjs-core';
import type { Baseline, InputSpec, OutputSpec } from '../protocol/manifest-types.js';
import type { BackendName } from '../protocol/wire-types.js';
import type { Fallback } from './choose-backend.js';
import type { ModelInput, Prepared } from './inputs.js';
import type { TfModel } from './tf-model.js';

export const INTERNAL: unique symbol = Symbol('inferscope.model.internal');

export interface ModelInternals {
  /** The current tfjs model wrapper (changes when predict fails over to another backend). */
  tfModel(): TfModel;
  backend(): BackendName;
  inputSpecs: InputSpec[];
  outputSpecs: OutputSpec[];
  /** The loaded artifacts (kept to rebuild the model on another backend). */
  artifacts: tf.io.ModelArtifacts;
  /** Validate a caller's input against the model (throws INPUT_SHAPE / INPUT_INVALID). */
  prepare(input: ModelInput): Prepared[];
  /** Run `fn` with the engine on this model's backend, serialized with every other model. */
  onBackend<T>(fn: () => T | Promise<T>): Promise<T>;
  /** The version's training baseline (explain uses it as KernelSHAP background). */
  baseline?: Baseline;
  /** Median ms per backend measured by backendPolicy 'fastest' during load, if it timed. */
  timings?: Partial<Record<BackendName, number>>;
  /** The model's own fallbacks list ('auto' adds the backends its idle pass had to skip). */
  fallbacks: Fallback[];
  /** 'auto': later predictions run `t` on `next`; false if `from` no longer serves (failover, dispose). */
  moveTo(from: TfModel, next: BackendName, t: TfModel): boolean;
}

export function internals(model: object): ModelInternals {
  return (model as { [INTERNAL]: ModelInternals })[INTERNAL];
}
