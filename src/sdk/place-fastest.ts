// backendPolicy 'fastest': time the real model on every candidate and keep the quickest,
// remembered per model version (verdict-store) so later loads go straight to it. A separate
// module so that clients on the default policy never download it.
import type * as tf from '@tensorflow/tfjs-core';
import type { BackendName } from '../protocol/wire-types.js';
import { firstWorking, runOnce, tryBackend, type Fallback, type Placement, type PlaceOptions } from './choose-backend.js';
import type { TfModel } from './tf-model.js';
import type { VerdictStore } from './verdict-store.js';

export { createVerdictStore } from './verdict-store.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const reasonOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Resolves a null placement (with every reason in `fallbacks`) if no backend works. */
export async function placeFastest(
  artifacts: tf.io.ModelArtifacts,
  candidates: BackendName[],
  o: PlaceOptions & { verdicts: VerdictStore; verdictKey: string; runs: number },
): Promise<{ placement: Placement | null; fallbacks: Fallback[] }> {
  const fallbacks: Fallback[] = [];
  const verdict = await o.verdicts.get(o.verdictKey);
  if (verdict && candidates.includes(verdict.backend)) {
    const order = [verdict.backend, ...candidates.filter((b) => b !== verdict.backend)];
    return firstWorking(order, artifacts, o, fallbacks);
  }
  const timings: Partial<Record<BackendName, number>> = {};
  let best: { backend: BackendName; tfm: TfModel; ms: number } | null = null;
  for (const backend of candidates) {
    const r = await tryBackend(backend, artifacts, { ...o, warmup: true }, fallbacks);
    if (typeof r === 'string') { fallbacks.push({ backend, reason: r }); continue; }
    try {
      const times: number[] = [];
      for (let i = 0; i < o.runs; i++) times.push(await runOnce(backend, r, o.specs));
      const ms = median(times);
      timings[backend] = ms;
      if (!best || ms < best.ms) { best?.tfm.dispose(); best = { backend, tfm: r, ms }; } else r.dispose();
    } catch (err) {
      r.dispose();
      fallbacks.push({ backend, reason: `timing the model failed: ${reasonOf(err)}` });
    }
  }
  if (!best) return { placement: null, fallbacks };
  await o.verdicts.put(o.verdictKey, { backend: best.backend, timings, at: Date.now() });
  const remaining = candidates.filter((b) => b !== best!.backend && timings[b] != null);
  return { placement: { backend: best.backend, tfm: best.tfm, fallbacks, remaining, timings }, fallbacks };
}
