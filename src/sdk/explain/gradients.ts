// Which kernels between the model's input and output tfjs cannot differentiate. Asking
// before tf.grad matters: a gradient that fails half-way leaves the tape's saved tensors
// behind (a leak), and the failure only surfaces as message text. tfjs has no public API for
// this, so the forward pass is recorded on the engine's tape (tfjs-core 4.x internals:
// startTape/endTape/state.activeTape, the same calls engine.gradients() makes) and the
// nodes fed by the input are checked for a gradient function.
import * as tf from '@tensorflow/tfjs-core';
import { forward } from './model-fn.js';
import type { ExplainableModel } from './types.js';

interface TapeNode { kernelName: string; inputs: Record<string, tf.Tensor>; outputs: tf.Tensor[]; saved?: tf.Tensor[]; gradient?: unknown }
interface EngineTape { startTape(): void; endTape(): void; state: { activeTape: TapeNode[] | null; gradientDepth: number } }

const known = new WeakMap<object, string[]>();

/**
 * tfjs-core registers no gradients by itself (tfjs-layers and the @tensorflow/tfjs umbrella
 * import them as a side effect). A page with only tfjs-core + converter has none, so integrated
 * gradients loads tfjs's own set on first use — the same registration those packages do.
 */
export async function ensureGradients(): Promise<void> {
  if (tf.getGradient('Sum')) return;
  try {
    await import('@tensorflow/tfjs-core/dist/register_all_gradients.js'); // ESM builds (browsers, bundlers)
  } catch {
    // Node resolves tfjs-core to its CommonJS bundle, where that ESM file cannot load; the
    // tfjs-layers bundle registers the same gradients when imported.
    await import('@tensorflow/tfjs-layers').catch(() => undefined);
  }
}

/** Kernel names on the input → output path without a gradient ([] = differentiable). Cached per model. */
export function missingGradients(model: ExplainableModel, x: tf.Tensor): string[] {
  const cached = known.get(model);
  if (cached) return cached;
  const engine = tf.engine() as unknown as EngineTape;
  // Inside someone else's gradient the tape is theirs: do not touch it, let tf.grad decide.
  if (engine.state.gradientDepth > 0 || typeof engine.startTape !== 'function') return [];
  let nodes: TapeNode[] = [];
  tf.tidy(() => {
    engine.startTape();
    try {
      forward(model, x);
    } finally {
      nodes = engine.state.activeTape ?? [];
      engine.endTape();
      engine.state.activeTape = null;
    }
  });
  const reached = new Set<number>([x.id]);
  const missing = new Set<string>();
  for (const node of nodes) {
    if (Object.values(node.inputs).some((t) => t && reached.has(t.id))) {
      for (const out of node.outputs) reached.add(out.id);
      if (!node.gradient) missing.add(node.kernelName);
    }
    for (const t of node.saved ?? []) t.dispose();
  }
  const result = [...missing];
  known.set(model, result);
  return result;
}
