// Public shapes of model.explain(): what goes in, what comes out. Kept apart from
// the algorithms so the SDK core can import the types without pulling in the code.
import type * as tf from '@tensorflow/tfjs-core';
import type { Baseline } from '../../protocol/manifest-types.js';

export type ExplainMethod = 'integrated-gradients' | 'kernel-shap';

/** Anything with a batched `predict` (tfjs-layers LayersModel, tfjs-converter GraphModel). */
export interface ExplainableModel {
  predict(x: tf.Tensor, config?: unknown): tf.Tensor | tf.Tensor[] | tf.NamedTensorMap;
  inputs?: { shape?: (number | null)[] | number[] }[];
}

export type InputKind = 'image' | 'tabular' | 'tensor';

export interface ExplainOptions {
  /** 'auto' (default): integrated gradients, falling back to KernelSHAP when an op has no gradient. */
  method?: ExplainMethod | 'auto';
  /** Output element to explain; default: the top class for this input. */
  classIndex?: number;
  /** Labels of the output, to name the explained class. */
  labels?: string[];
  /** Input kind; default from rank: [1,H,W,C] -> image, [1,F] -> tabular. */
  kind?: InputKind;
  /** Tabular feature names, one per input element (gives `features` in the result). */
  features?: string[];
  /** Integrated gradients: interpolation steps (default 32). */
  steps?: number;
  /** Integrated gradients: how many interpolation points per forward/backward pass (default 32). */
  batchSize?: number;
  /**
   * Integrated gradients reference input (same shape as the input, or a scalar).
   * Default: zeros (a black image) for images, the background mean for tabular inputs.
   */
  baseline?: tf.Tensor | ArrayLike<number> | number;
  /** KernelSHAP: coalitions evaluated (default 2·M + 2048; all 2^M − 2 when that is fewer). */
  samples?: number;
  /** Background rows (each one input element per feature), or a manifest baseline to derive them from. */
  background?: ArrayLike<number>[] | Baseline;
  /** Weight of each background row (default equal). */
  backgroundWeights?: ArrayLike<number>;
  /** KernelSHAP on images: square patch side in pixels grouped into one player (default: 28×28 → 4). */
  patch?: number;
  /** Seed of the coalition sampler, so repeated explanations agree (default 1). */
  seed?: number;
}

export interface FeatureAttribution {
  name: string;
  /** Attribution of this feature to the explained score. */
  value: number;
  /** The input value the attribution explains. */
  input: number;
}

export interface Explanation {
  method: ExplainMethod;
  classIndex: number;
  label?: string;
  /** The model's output for `classIndex` at this input. */
  score: number;
  /** Output for `classIndex` at the reference (IG baseline, or SHAP expected value). */
  baseScore: number;
  /** One attribution per input element (flattened, batch dimension dropped). */
  attributions: Float32Array;
  /** score − baseScore − Σ attributions: ~0 by construction for SHAP, the integration error for IG. */
  delta: number;
  /** Tabular inputs with named features. */
  features?: FeatureAttribution[];
  /** Image inputs: |attribution| summed over channels, scaled to [0, 1] (row-major H×W). */
  saliency?: { height: number; width: number; data: Float32Array };
}
