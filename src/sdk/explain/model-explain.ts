// model.explain() for a loaded SDK model: the caller's input is validated and turned into a
// tensor exactly as predict does, then explained on the model's backend (through the engine
// gate, so it never interleaves with another model's work). Loaded with import() only.
import type * as tf from '@tensorflow/tfjs-core';
import type { Baseline } from '../../protocol/manifest-types.js';
import { InferScopeError } from '../errors.js';
import { materialize, type ModelInput } from '../inputs.js';
import { internals } from '../model-internal.js';
import { explain } from './index.js';
import type { ExplainableModel, ExplainOptions, Explanation } from './types.js';

export { importanceOf } from './importance.js';

/** A baseline can serve as KernelSHAP background only when its features read input elements. */
const usable = (b?: Baseline) => (b?.features.some((f) => f.index !== undefined && !f.summary) ? b : undefined);

function defaults(model: object, options: ExplainOptions): ExplainOptions {
  const inner = internals(model);
  const spec = inner.inputSpecs[0];
  return {
    labels: inner.outputSpecs[0]?.labels,
    features: spec?.features,
    kind: spec?.kind,
    background: usable(inner.baseline),
    ...options,
  };
}

/** Explain one example given the way predict() takes it (array, tensor, image). */
export async function explainModel(model: object, input: ModelInput, options: ExplainOptions = {}): Promise<Explanation> {
  const inner = internals(model);
  const prepared = inner.prepare(input);
  if (prepared.length !== 1) {
    throw new InferScopeError('INPUT_INVALID', `explain supports single-input models; this one takes ${prepared.length} inputs`);
  }
  if (prepared[0]!.batch !== 1) {
    throw new InferScopeError('INPUT_SHAPE', `explain takes one example at a time; got a batch of ${prepared[0]!.batch}`);
  }
  const opts = defaults(model, options);
  return inner.onBackend(async () => {
    const { tensors, owned } = materialize(prepared);
    try {
      return await explain(inner.tfModel().model as ExplainableModel, tensors[0]!, opts);
    } finally {
      for (const t of owned) t.dispose();
    }
  });
}

/** Explain a [1, ...] tensor on the model's backend, or one `x()` builds there (the idle sampler's copy). */
export async function explainTensor(model: object, x: tf.Tensor | (() => tf.Tensor), options: ExplainOptions = {}): Promise<Explanation> {
  const inner = internals(model);
  const opts = defaults(model, options);
  // A thunk builds the input inside the same gated turn, on the backend the model runs on then.
  return inner.onBackend(async () => {
    const t = typeof x === 'function' ? x() : x;
    try { return await explain(inner.tfModel().model as ExplainableModel, t, opts); } finally { if (t !== x) t.dispose(); }
  });
}
