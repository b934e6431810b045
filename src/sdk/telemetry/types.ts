// The seam between the runtime (client, model) and telemetry. The runtime calls
// these hooks; the telemetry module aggregates and delivers. Every hook must be
// cheap, synchronous where it can be, and must never throw into the caller.
import type { BackendName, LoadRecord, Variant } from '../../protocol/wire-types.js';

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
}

export type LoadEvent = Omit<LoadRecord, 'count'>;

export type CacheEvent = 'hit' | 'miss' | 'evicted' | 'unavailable' | 'integrityFailures';

export interface Telemetry {
  recordPrediction(event: PredictionEvent): void;
  recordLoad(event: LoadEvent): void;
  recordCache(event: CacheEvent, n?: number): void;
  /** Join a ground-truth label to an earlier prediction. Resolves false if the id is unknown or expired. */
  feedback(predictionId: string, label: string): Promise<boolean>;
  /** Resolves when everything recorded so far is sent or persisted in the outbox. */
  flush(): Promise<void>;
  dispose(): Promise<void>;
}
