// Types shared by the delivery modules (manifest -> cache -> artifacts).
import type { ManifestFile, ModelVersion } from '../../protocol/manifest-types.js';
import type { BackendName, Variant } from '../../protocol/wire-types.js';

export type LoadPhase = 'manifest' | 'download' | 'verify' | 'compile' | 'warmup';

/** Progress of one load: bytes for download/verify, 0/1 steps for the other phases. */
export interface LoadProgress {
  phase: LoadPhase;
  source: 'network' | 'cache';
  loaded: number;
  total: number;
}

/**
 * What delivery did that the caller may want to know (and telemetry counts). Never thrown:
 * these are the degraded paths the SDK takes instead of failing.
 */
export type DeliveryEvent =
  | { type: 'manifest-fallback'; reason: string; ageMs: number } // offline / 5xx / invalid: last good manifest used
  | { type: 'cache-unavailable'; reason: string; code?: 'QUOTA_EXCEEDED' } // no IndexedDB, blocked, quota (code): running from memory
  | { type: 'cache-hit' | 'cache-miss' | 'cache-stored'; id: string; version: string; bytes: number }
  | { type: 'evicted'; id: string; version: string; bytes: number; reason: 'lru' | 'quota' | 'replaced' | 'manual' }
  | { type: 'integrity-failure'; id: string; version: string; file: string; source: 'network' | 'cache' }
  | { type: 'candidate-fallback'; id: string; version: string; stable: string; reason: string }
  | { type: 'last-good-fallback'; id: string; version: string; failed: string; reason: string } // `failed` could not load on a fresh page: cached `version` serves
  | { type: 'update-failed'; id: string; version: string; serving: string; reason: string } // the channel's new `version` failed; `serving` keeps serving
  | { type: 'persist'; granted: boolean }
  // backendPolicy 'auto' timed the model in idle time (median ms per backend): later predictions
  // moved `from` -> `to`, or stay on `backend`, the fastest. Both are remembered for the next load.
  | { type: 'backend-switched'; id: string; version: string; from: BackendName; to: BackendName; timings: Partial<Record<BackendName, number>> }
  | { type: 'backend-timed'; id: string; version: string; backend: BackendName; timings: Partial<Record<BackendName, number>> }
  | { type: 'worker-started'; url: string } // worker mode runs: tfjs, delivery and telemetry are in the worker at `url`
  | { type: 'worker-unavailable'; url: string; reason: string }; // worker mode could not start: running in direct mode

/** A cached model version: metadata only, so listing never reads weights. */
export interface ModelRecord {
  key: string; // `${id}@${version}`
  id: string;
  version: string;
  /** Absolute (or page-relative) URL of model.json; file paths resolve against it. */
  url: string;
  files: ManifestFile[];
  /** Sum of this version's file sizes (shared files counted in each version). */
  bytes: number;
  lastUsed: number;
  storedAt: number;
  /** The manifest entry it was installed from; absent for direct-URL loads. */
  entry?: ModelVersion;
}

export interface FileRecord {
  sha256: string;
  bytes: number;
  data: ArrayBuffer;
}

/** One version of one model, ready to fetch. */
export interface VersionRef {
  id: string;
  version: string;
  variant: Variant;
  /** model.json URL, resolved. */
  url: string;
  /** From the manifest; absent for a direct URL (hashes are computed on download). */
  entry?: ModelVersion;
}

export interface CachedModel {
  id: string;
  version: string;
  bytes: number;
  lastUsed: number;
  url: string;
}
