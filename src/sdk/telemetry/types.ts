// The seam between the runtime (client, model) and telemetry. The runtime calls
// these hooks; the telemetry module aggregates and delivers. Every hook must be
// cheap, synchronous where it can be, and must never throw into the caller.
import type { BackendName, LoadRecord, Variant } from '../../protocol/wire-types.js';
import type { FeatureBaseline } from '../../protocol/manifest-types.js';
import type { ImageLayout } from '../../protocol/baseline.js';

/** What the recorder needs to bin inputs on device for drift (from the manifest's baseline). */
export interface DriftSpec {
  features: readonly FeatureBaseline[];
  /** Needed when a feature is an image summary ('mean' | 'ink' | 'std'). */
  image?: ImageLayout;
}

export interface PredictionEvent {
  /** Prediction id handed to the caller (for feedback). */
  id: string;
  model: string;
  version: string;
  backend: BackendName;
  variant: Variant;
  ms: number;
  /** Top class per example (index into labels, label text when known, score). */
  top?: { index: number; label?: string; score: number }[];
  /** Per-example flattened input values, only when the model has a drift baseline
   *  (binned on device, never sent). Read lazily: the recorder may skip it when sampled out. */
  inputs?: () => Float32Array[];
  /** InferScopeError code when predict failed. */
  error?: string;
  /** True when the caller already drew this prediction with sample(): the recorder keeps it
   *  without drawing again (so the runtime can skip reading inputs of sampled-out predictions). */
  sampled?: boolean;
  /** The version's drift baseline; with `inputs`, each example is binned on device. Pass
   *  the same object every time (the recorder keeps no copy). */
  baseline?: DriftSpec;
}

/** Per-feature attributions of one explained prediction (absolute values are aggregated). */
export interface ExplanationEvent {
  model: string;
  version: string;
  backend: BackendName;
  variant: Variant;
  attributions: Record<string, number>;
}

export type LoadEvent = Omit<LoadRecord, 'count'>;

export type CacheEvent = 'hit' | 'miss' | 'evicted' | 'unavailable' | 'integrityFailures';

export interface Telemetry {
  recordPrediction(event: PredictionEvent): void;
  /** Draws whether the next prediction is recorded (sampleRate); pass the result on as
   *  `sampled: true`, or skip recordPrediction when false. Optional: absent means "record all". */
  sample?(): boolean;
  recordLoad(event: LoadEvent): void;
  recordCache(event: CacheEvent, n?: number): void;
  /** Fold one explanation into the version's feature importance (sum of |attribution|, n). */
  recordExplanation(event: ExplanationEvent): void;
  /** True for the fraction `explainSampleRate` of calls: whether to explain this prediction. */
  sampleExplanation(): boolean;
  /** Join a ground-truth label to an earlier prediction. Resolves false if the id is unknown or expired. */
  feedback(predictionId: string, label: string): Promise<boolean>;
  /** Resolves when everything recorded so far is sent or persisted in the outbox. */
  flush(): Promise<void>;
  dispose(): Promise<void>;
}
