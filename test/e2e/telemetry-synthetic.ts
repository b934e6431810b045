// The synthetic predictions of the telemetry e2e tests, shared by the page (direct mode) and
// the test worker (worker mode) so both record exactly the same events.
import type { Telemetry } from '../../src/sdk/telemetry/index.js';

/** n synthetic predictions; every input-like value stays on the device. */
export function recordSynthetic(t: Telemetry, n: number, from = 0): void {
  for (let i = from; i < from + n; i++) {
    t.recordPrediction({ id: `id-${i}`, model: 'synthetic', version: '1', backend: 'cpu', variant: 'direct', ms: 1 + (i % 7) / 3, top: [{ index: i % 4, score: 0.55 }] });
  }
}
