// A Sequential LayersModel read as a plain chain of steps whose gradients chain-gradients.ts
// computes by hand (no gradient tape). Only the layers listed here, in the configurations the
// hand-written gradients cover, are recognized; any other model gets undefined and integrated
// gradients falls back to tfjs's own gradients. Read through public tfjs-layers API only
// (getClassName, getConfig, getWeights, outputShape), duck-typed: this chunk never imports
// tfjs-layers.
import type * as tf from '@tensorflow/tfjs-core';

export type Activation = 'linear' | 'relu' | 'softmax';
export type Step =
  | { kind: 'conv'; filter: tf.Tensor4D; bias?: tf.Tensor1D; activation: Activation; pad: 'same' | 'valid' }
  | { kind: 'dense'; kernel: tf.Tensor2D; bias?: tf.Tensor1D; activation: Activation }
  | { kind: 'pool'; size: [number, number] }
  | { kind: 'flatten' };

interface LayerLike {
  getClassName(): string;
  getConfig(): Record<string, unknown>;
  getWeights(): tf.Tensor[];
  outputShape: unknown;
}

const pair = (v: unknown): number[] => (Array.isArray(v) ? v : [v, v]) as number[];
const allOnes = (v: unknown) => v === undefined || pair(v).every((d) => d === 1);

/** The steps of `model`, or undefined when any layer is outside what the hand-built gradients cover. */
export function layerChain(model: unknown): Step[] | undefined {
  const m = model as { getClassName?(): string; layers?: LayerLike[] };
  if (m.getClassName?.() !== 'Sequential' || !Array.isArray(m.layers)) return undefined;
  const steps: Step[] = [];
  for (const layer of m.layers) {
    const step = stepOf(layer);
    if (step === undefined) return undefined;
    // A leading Flatten is folded into the first dense step (chain-gradients.ts reshapes its input).
    if (step && !(step.kind === 'flatten' && steps.length === 0)) steps.push(step);
  }
  const [first] = steps;
  const last = steps[steps.length - 1];
  // The first step must be linear in the input (integrated gradients' points come from two rows).
  if (first?.kind !== 'conv' && first?.kind !== 'dense') return undefined;
  // Softmax only at the output (its gradient is written for the explained output row).
  if (!last || last.kind !== 'dense' || steps.some((s, i) => i < steps.length - 1 && 'activation' in s && s.activation === 'softmax')) return undefined;
  return steps;
}

/** null: a layer that is the identity at inference (skipped); undefined: not covered. */
function stepOf(layer: LayerLike): Step | null | undefined {
  const config = layer.getConfig();
  const activation = (config.activation ?? 'linear') as string;
  if (!['linear', 'relu', 'softmax'].includes(activation)) return undefined;
  const channelsLast = config.dataFormat === undefined || config.dataFormat === 'channelsLast';
  const weights = () => layer.getWeights();
  switch (layer.getClassName()) {
    case 'InputLayer':
    case 'Dropout':
      return null;
    case 'Flatten':
      return { kind: 'flatten' };
    case 'Conv2D': {
      const [filter, bias] = weights() as [tf.Tensor4D, tf.Tensor1D?];
      const pad = config.padding;
      if (!channelsLast || !allOnes(config.strides) || !allOnes(config.dilationRate) || (pad !== 'same' && pad !== 'valid') || filter?.dtype !== 'float32') return undefined;
      return { kind: 'conv', filter, bias, activation: activation as Activation, pad };
    }
    case 'Dense': {
      const [kernel, bias] = weights() as [tf.Tensor2D, tf.Tensor1D?];
      // Dense on rank > 2 inputs applies along the last axis; only the rank-2 case is covered.
      if (!Array.isArray(layer.outputShape) || layer.outputShape.length !== 2 || kernel?.dtype !== 'float32') return undefined;
      return { kind: 'dense', kernel, bias, activation: activation as Activation };
    }
    case 'MaxPooling2D': {
      const size = pair(config.poolSize) as [number, number];
      const strides = pair(config.strides ?? config.poolSize);
      // Windows that tile the input: the gradient of fast-max-pool.ts.
      if (!channelsLast || config.padding !== 'valid' || size[0] !== strides[0] || size[1] !== strides[1]) return undefined;
      return { kind: 'pool', size };
    }
    default:
      return undefined;
  }
}
