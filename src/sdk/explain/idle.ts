// Sampled explanations for aggregate feature importance (telemetry.explainSampleRate).
// predict() hands over a copy of one example; the explanation runs when the page is idle
// (requestIdleCallback, else a timer), never on the predict path, at most one per model at a
// time (others are dropped), and only its per-feature |attribution| leaves through telemetry.
import * as tf from '@tensorflow/tfjs-core';
import type { Telemetry } from '../telemetry/types.js';
import { internals } from '../model-internal.js';

const busy = new WeakSet<object>();

export interface IdleTarget { model: string; version: string; variant: 'stable' | 'candidate' | 'direct' }

/** Takes ownership of `example` ([1, ...], on the model's backend) and disposes it. */
export function explainWhenIdle(model: object, example: tf.Tensor, telemetry: Telemetry, target: IdleTarget): void {
  if (busy.has(model)) { example.dispose(); return; }
  busy.add(model);
  const run = async () => {
    try {
      const { explainTensor, importanceOf } = await import('./model-explain.js');
      // The copy lives on the backend its prediction ran on; the model may have moved since
      // (failover, backendPolicy 'auto'). Rebuilt from its values on the backend the model runs
      // on now, so no tensor of one backend is used on another (tfjs would copy it implicitly).
      const values = await example.data();
      const e = await explainTensor(model, () => tf.tensor(values, example.shape, example.dtype));
      const attributions = importanceOf(e);
      if (attributions) telemetry.recordExplanation({ ...target, backend: internals(model).backend(), attributions });
    } catch {
      // Best effort: a disposed model or a failing backend costs one sample, never the page.
    } finally {
      example.dispose();
      busy.delete(model);
    }
  };
  const idle = (globalThis as { requestIdleCallback?: (cb: () => void, o?: { timeout: number }) => number }).requestIdleCallback;
  if (typeof idle === 'function') idle(() => void run(), { timeout: 10_000 });
  else setTimeout(() => void run(), 0);
}
