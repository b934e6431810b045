// The model as a function of one batched input tensor, plus input checks shared by
// both methods. Works for LayersModel and GraphModel alike through `predict`.
import * as tf from '@tensorflow/tfjs-core';
import { InferScopeError } from '../errors.js';
import type { ExplainableModel, InputKind } from './types.js';

/** First output of the model for a batch, as [batch, outputs] (a scalar output per row becomes [batch, 1]). */
export function forward(model: ExplainableModel, x: tf.Tensor): tf.Tensor2D {
  // LayersModel.predict slices its input into batches (a copy on the gradient tape, even for
  // one batch); apply() runs the layers on x itself, in inference mode like predict.
  const layers = model as ExplainableModel & { layers?: unknown; apply?: (x: tf.Tensor, kwargs: object) => tf.Tensor | tf.Tensor[] };
  const out = Array.isArray(layers.layers) && typeof layers.apply === 'function'
    ? layers.apply(x, { training: false })
    : model.predict(x, { batchSize: x.shape[0] });
  const first = out instanceof tf.Tensor ? out : Array.isArray(out) ? out[0] : Object.values(out)[0];
  if (!first) throw new InferScopeError('PREDICT_FAILED', 'explain: the model returned no output');
  return tf.reshape(first, [first.shape[0] ?? 1, -1]) as tf.Tensor2D;
}

/** Declared per-example input shape (batch dimension dropped), when the model says it. */
function declaredShape(model: ExplainableModel): number[] | undefined {
  const shape = model.inputs?.[0]?.shape;
  if (!shape || shape.length === 0) return undefined;
  return shape.slice(1).map((d) => (d == null || d < 0 ? -1 : d));
}

/**
 * One example as a [1, ...shape] float32 tensor. Accepts the example with or without its
 * batch dimension, as a tensor or a flat array of the declared size. The caller owns the result.
 */
export function prepareInput(model: ExplainableModel, input: tf.Tensor | ArrayLike<number>): tf.Tensor {
  const shape = declaredShape(model);
  return tf.tidy(() => {
    let x: tf.Tensor;
    if (input instanceof tf.Tensor) x = tf.cast(input, 'float32');
    else {
      if (!shape || shape.includes(-1)) {
        throw new InferScopeError('INPUT_SHAPE', 'explain: pass the input as a tensor; this model does not declare a fixed input shape');
      }
      const size = shape.reduce((a, b) => a * b, 1);
      if (input.length !== size) {
        throw new InferScopeError('INPUT_SHAPE', `explain: got ${input.length} input values; the model takes [${shape}] = ${size} per example`);
      }
      x = tf.tensor(Array.from(input), shape, 'float32');
    }
    if (shape && x.rank === shape.length) x = tf.expandDims(x, 0);
    if (x.shape[0] !== 1) {
      throw new InferScopeError('INPUT_SHAPE', `explain takes one example at a time; got a batch of ${x.shape[0]} (shape [${x.shape}]). Slice one row first.`);
    }
    if (shape && (x.rank !== shape.length + 1 || shape.some((d, i) => d !== -1 && d !== x.shape[i + 1]))) {
      throw new InferScopeError('INPUT_SHAPE', `explain: input shape [${x.shape}] does not match the model's [1,${shape}]`);
    }
    return x;
  });
}

export function inferKind(x: tf.Tensor, kind?: InputKind): InputKind {
  if (kind) return kind;
  if (x.rank === 4 || x.rank === 3) return 'image';
  if (x.rank === 2) return 'tabular';
  return 'tensor';
}

/** Index of the largest element. */
export function argMax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** Checks a user-given class index against the output width. */
export function checkClass(classIndex: number, outputs: number): void {
  if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= outputs) {
    throw new InferScopeError('INPUT_INVALID', `explain: classIndex ${classIndex} is out of range; the model has ${outputs} outputs (0..${outputs - 1})`);
  }
}
