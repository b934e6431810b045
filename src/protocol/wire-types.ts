// Telemetry wire format v1 (client -> collector). The client aggregates; one
// batch is a small JSON document. Validation lives in wire.ts. Privacy: nothing
// here can carry a raw input, output, URL, IP or stable user id.

export type BackendName = 'webgpu' | 'wasm' | 'webgl' | 'cpu';
export type DeviceClass = 'desktop' | 'mobile' | 'tablet' | 'server' | 'unknown';
export type Variant = 'stable' | 'candidate' | 'direct';

/**
 * DDSketch-style log-bucket sketch of positive values (relative accuracy `alpha`).
 * Bucket i holds values in (gamma^(i-1), gamma^i], gamma = (1+alpha)/(1-alpha).
 * `counts[j]` is the count of bucket `offset + j` (dense run). Values <= `minValue`
 * (1e-9) count in `zeros`. Mergeable by adding counts per bucket index.
 */
export interface SketchJSON {
  alpha: number;
  offset: number;
  counts: number[];
  zeros: number;
  count: number;
  sum: number;
  min: number;
  max: number;
}

export interface ClientInfo {
  browser: string; // family: chrome, firefox, safari, edge, node, other
  browserMajor: number;
  os: string; // family: windows, macos, linux, android, ios, chromeos, other
  device: DeviceClass;
  /** Install id hashed with a salt that rotates daily (hex, 16 chars). */
  installHash?: string;
}

/** Confusion counts from feedback: [predicted, actual, count]. */
export type ConfusionCell = [string, string, number];

export interface ModelAggregate {
  model: string;
  version: string;
  backend: BackendName;
  variant: Variant;
  /** Examples predicted (a batched predict of k rows counts k); failed calls count only in `errors`. */
  predictions: number;
  /** Error counts keyed by InferScopeError code. */
  errors: Record<string, number>;
  /** Inference latency in milliseconds, one value per predict call. */
  latency: SketchJSON;
  /** Histogram of the top-class score: 10 equal bins over [0, 1]. */
  scores: number[];
  /** Counts of the predicted (top) class, keyed by label (or index as text). */
  classes: Record<string, number>;
  /** Per baseline feature, counts per baseline bin (length edges.length + 1). */
  features?: Record<string, number[]>;
  /** Per tabular baseline feature, how many recorded inputs fell outside the training range
   *  (below the first edge or above the last). Counts only: the values never leave the device. */
  outOfRange?: Record<string, number>;
  confusion?: ConfusionCell[];
  /** Sum of |attribution| and number of explained predictions, per feature. */
  importance?: Record<string, { sum: number; n: number }>;
}

export interface LoadRecord {
  model: string;
  version: string;
  variant: Variant;
  backend: BackendName | null; // null when the load failed before a backend was chosen
  source: 'network' | 'cache' | 'memory';
  bytes: number;
  ms: number;
  fallbacks: { backend: BackendName; reason: string }[];
  error?: string; // InferScopeError code
  /** Why a rollout candidate was abandoned on this device, if it was. */
  candidateFallback?: string;
  count: number; // identical loads folded together; `ms` is then their mean, `bytes` per load
}

export interface CacheCounts {
  hit: number;
  miss: number;
  evicted: number;
  unavailable: number;
  integrityFailures: number;
}

export interface Batch {
  v: 1;
  /** Random id (>= 16 hex chars); the collector counts a batch id once. */
  batchId: string;
  /** Public ingest key; may instead travel in the URL (?key=) for sendBeacon. */
  appKey?: string;
  sdk: string;
  sentAt: number; // ms since epoch
  window: { start: number; end: number };
  /** Fraction of predictions recorded (0 < r <= 1); the collector scales counts by 1/r.
   *  Applies to `models` (predictions, errors, latency, scores, classes, features, confusion)
   *  only: loads, cache counts and vitals are never sampled. */
  sampleRate: number;
  /** Present when local differential privacy noise was added to counts. */
  dp?: { epsilon: number };
  client: ClientInfo;
  models: ModelAggregate[];
  loads: LoadRecord[];
  cache?: CacheCounts;
  /** Host page web-vitals (LCP, INP, FCP, TTFB in ms; CLS unitless). */
  vitals?: Partial<Record<'LCP' | 'INP' | 'CLS' | 'FCP' | 'TTFB', SketchJSON>>;
  /** What was lost before this batch, in batches: queue overflow, outbox overflow (an evicted
   *  batch's own drop counts are carried forward, so nothing lost goes unreported). */
  dropped: { queue: number; outbox: number };
}
