// A realistic telemetry batch for bench/collector-ingest, made by the SDK's own recorder
// and batch builder (src/sdk/telemetry): one penguins model aggregate with 500 predictions
// binned against the manifest baseline (4 features x 12 bins), a latency sketch, 3 classes,
// a few errors, feedback confusion cells, one load record, cache counts and web vitals.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Baseline } from '../src/protocol/manifest-types.js';
import { buildBatch } from '../src/sdk/telemetry/batch.js';
import { createRecorder } from '../src/sdk/telemetry/recorder.js';

/** The batch as JSON with `placeholder` as its batch id (each request swaps in a fresh one). */
export function benchBatchJson(root: string, placeholder: string): string {
  const manifest = JSON.parse(readFileSync(join(root, 'models/manifest.json'), 'utf8')) as {
    models: Record<string, { versions: Record<string, { baseline: Baseline }> }>;
  };
  const [version, v] = Object.entries(manifest.models.penguins!.versions)[0]!;
  const labels = v.baseline.prediction.labels;
  const baseline = { features: v.baseline.features };
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const rec = createRecorder({ now: () => 1_700_000_000_000, random: rand });
  for (let i = 0; i < 500; i++) {
    const k = Math.floor(rand() * 3);
    const input = new Float32Array([35 + rand() * 20, 14 + rand() * 7, 175 + rand() * 50, 2.8 + rand() * 3]);
    rec.recordPrediction({
      id: `p${i}`, model: 'penguins', version, backend: 'wasm', variant: 'stable', ms: 0.4 + rand() * 3,
      top: [{ index: k, label: labels[k], score: 0.5 + rand() / 2 }], inputs: () => [input], baseline,
    });
    if (i < 20) rec.feedback(`p${i}`, labels[(k + (i % 7 === 0 ? 1 : 0)) % 3]!);
  }
  rec.recordPrediction({ id: 'e1', model: 'penguins', version, backend: 'wasm', variant: 'stable', ms: 1, error: 'INPUT_SHAPE' });
  rec.recordLoad({ model: 'penguins', version, variant: 'stable', backend: 'wasm', source: 'cache', bytes: 5_120, ms: 38, fallbacks: [{ backend: 'webgpu', reason: 'no adapter' }] });
  rec.recordCache('hit', 3);
  for (const [name, value] of [['LCP', 1200], ['FCP', 800], ['TTFB', 120], ['INP', 64], ['CLS', 0.02]] as const) rec.recordVital(name, `v-${name}`, value);
  const batch = buildBatch(rec.take()!, {
    client: { browser: 'chrome', browserMajor: 126, os: 'windows', device: 'desktop' },
    sampleRate: 1, dropped: { queue: 0, outbox: 0 }, now: Date.now(),
  });
  // The window ends now, so every batch lands in the current minute (the report reads it back).
  batch.window = { start: Date.now() - 30_000, end: Date.now() };
  batch.batchId = placeholder;
  return JSON.stringify(batch);
}
