// Model manifest: the one file a deployment publishes. Lists models, their
// versions (content-addressed files) and release channels. Shared by the SDK
// (resolves id + channel to a version), the CLI (writes it) and the collector
// (reads baselines for drift). Validation lives in manifest.ts.

export type ModelFormat = 'graph-model' | 'layers-model';
export type Quantization = 'none' | 'uint8' | 'uint16' | 'float16';
export type Dtype = 'float32' | 'int32' | 'bool';

/** One file of a model version; `path` is relative to the version's model.json. */
export interface ManifestFile {
  path: string;
  sha256: string; // lowercase hex
  bytes: number;
}

/** How raw inputs become the model's input tensor. */
export interface InputSpec {
  name: string;
  shape: number[]; // -1 for a free dimension (batch)
  dtype: Dtype;
  kind?: 'image' | 'tabular' | 'tensor';
  /** Tabular inputs: feature names, one per element of the last dimension. */
  features?: string[];
  /**
   * Image inputs: pixels are resized to height × width, then value * scale + offset.
   * `preprocess: 'mnist-center'`: crop to the ink, fit into 20/28 of the side keeping the aspect,
   * centre by centre of mass, as MNIST was made (gray; ink is light on dark after `invert`).
   */
  image?: { height: number; width: number; channels: 1 | 3; scale?: number; offset?: number; invert?: boolean; preprocess?: 'mnist-center' };
}

export interface OutputSpec {
  name: string;
  shape: number[];
  dtype: Dtype;
  labels?: string[];
}

/**
 * Training-time distribution of one input feature. Bins: (-inf, edges[0]),
 * [edges[0], edges[1]), ..., [edges[k-1], +inf) — so `expected.length === edges.length + 1`.
 * `index` is the element of the (flattened, per-example) input the feature reads;
 * `summary` names an image summary feature instead ('mean' intensity, 'ink' fraction, 'std').
 */
export interface FeatureBaseline {
  name: string;
  index?: number;
  summary?: 'mean' | 'ink' | 'std';
  edges: number[];
  expected: number[];
}

export interface Baseline {
  sampleCount: number;
  features: FeatureBaseline[];
  /** Expected share of each predicted class, in `labels` order. */
  prediction: { labels: string[]; expected: number[] };
  /** Optional training-time global importance (mean |attribution| per feature). */
  importance?: Record<string, number>;
}

export interface ModelVersion {
  /** model.json URL, relative to the manifest's own URL (or absolute). */
  url: string;
  format: ModelFormat;
  quantization: Quantization;
  files: ManifestFile[];
  inputs: InputSpec[];
  outputs: OutputSpec[];
  baseline?: Baseline;
  createdAt?: string;
  /** Free text for humans (accuracy, data set, ...). */
  notes?: string;
}

export interface Channel {
  version: string;
  /** A candidate version served to `percent` (0..100) of installs, by stable hash of the install id. */
  candidate?: { version: string; percent: number };
  /** When true, everyone gets `version` (the candidate is switched off). */
  killSwitch?: boolean;
}

export interface ManifestModel {
  description?: string;
  channels: Record<string, Channel>;
  versions: Record<string, ModelVersion>;
}

export interface Manifest {
  schemaVersion: 1;
  models: Record<string, ManifestModel>;
}
