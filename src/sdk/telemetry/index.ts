// PLACEHOLDER until the telemetry issue lands: a no-op implementation of the seam.
import type { Telemetry } from './types.js';
export type { Telemetry, PredictionEvent, LoadEvent, CacheEvent } from './types.js';

export interface TelemetryOptions {
  endpoint?: string;
  appKey?: string;
  sampleRate?: number;
}

export function createTelemetry(_options?: TelemetryOptions | false): Telemetry {
  return {
    recordPrediction() {},
    recordLoad() {},
    recordCache() {},
    async feedback() { return false; },
    async flush() {},
    async dispose() {},
  };
}
