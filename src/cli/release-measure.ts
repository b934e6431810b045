// What `inferscope release check` measures for one model version in Node: its outputs on the
// labelled samples and its median single-example predict time on each backend.
import { performance } from 'node:perf_hooks';
import { argmaxRows, loadModel } from './load-model.js';
import { readExamples } from './read-examples.js';
import type { NodeBackend } from './tf-node.js';

export interface VersionMeasure {
  /** Predicted class index per sample (from the last backend measured). */
  predicted: Int32Array;
  /** Whether each sample's prediction matches its label. */
  correct: Uint8Array;
  /** Fraction of samples whose predicted label equals the sample's label. */
  accuracy: number;
  n: number;
  /** Median ms of one single-example predict, per backend. */
  latencyMs: Partial<Record<NodeBackend, number>>;
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; };

/** Loads `modelJson` once per backend (sequentially: tfjs has one engine per process). */
export async function measureVersion(modelJson: string, samplesFile: string, { backends = ['cpu', 'wasm'] as NodeBackend[], timedRuns = 15 } = {}): Promise<VersionMeasure> {
  const out: VersionMeasure = { predicted: new Int32Array(0), correct: new Uint8Array(0), accuracy: 0, n: 0, latencyMs: {} };
  for (const backend of backends) {
    const model = await loadModel(modelJson, { backend });
    try {
      const size = model.inputShape.reduce((a, b) => a * Math.max(1, b), 1);
      const ex = await readExamples(samplesFile, { size, features: model.meta.kind === 'tabular' ? model.meta.features : undefined });
      const names = ex.labelNames ?? model.meta.labels ?? Array.from({ length: model.outputShape.at(-1) ?? 0 }, (_, i) => String(i));
      out.n = ex.n;
      out.predicted = argmaxRows(await model.predict(ex.values, ex.n), ex.n);
      out.correct = Uint8Array.from({ length: ex.n }, (_, i) => Number(names[out.predicted[i]!] === ex.labels[i]));
      out.accuracy = ex.n ? out.correct.reduce((a, b) => a + b, 0) / ex.n : 0;
      const one = ex.values.subarray(0, size);
      // Warm-up by time, not count: kernels compile on first use, and V8 first runs WASM from its
      // baseline compiler (Liftoff) and swaps in optimized code later (tier-up), which a few
      // runs do not cover (measured: 18 ms before vs 1 ms after on the digits CNN).
      const warm = performance.now();
      for (let i = 0; i < 10 || performance.now() - warm < 400; i++) await model.predict(one, 1);
      const times: number[] = [];
      for (let i = 0; i < timedRuns; i++) {
        const t0 = performance.now();
        await model.predict(one, 1);
        times.push(performance.now() - t0);
      }
      out.latencyMs[backend] = median(times);
    } finally {
      model.dispose();
    }
  }
  return out;
}
