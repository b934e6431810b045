// The synthetic predictions of the telemetry e2e tests, shared by the page (direct mode) and
// the test worker (worker mode) so both record exactly the same events.
import type { Telemetry } from '../../src/sdk/telemetry/index.js';

/** n synthetic predictions; every input-like value stays on the device. With `labelChars`,
 *  each prediction gets its own class label of that length (to make big batches). */
export function recordSynthetic(t: Telemetry, n: number, from = 0, model = 'synthetic', labelChars = 0): void {
  for (let i = from; i < from + n; i++) {
    const label = labelChars ? `L${i}`.padEnd(labelChars, 'x') : undefined;
    t.recordPrediction({ id: `id-${i}`, model, version: '1', backend: 'cpu', variant: 'direct', ms: 1 + (i % 7) / 3, top: [{ index: i % 4, label, score: 0.55 }] });
  }
}
