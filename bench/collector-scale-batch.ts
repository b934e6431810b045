// Realistic batches for bench/collector-scale, made by the SDK's own recorder and batch
// builder (src/sdk/telemetry), shaped like what the demo page sends after a minute of use:
// both shipped models (digits: 3 image features x 12 bins, 10 classes; penguins: 4 tabular
// features x 12 bins, 3 classes), penguins on two backends (one client fell back), drift bins
// from the manifest baselines, latency sketches, a few errors, feedback (confusion cells),
// load records with fallbacks, cache counts and web vitals. Each variant is one client with
// its own random inputs; every request swaps in a fresh batch id.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Baseline } from '../src/protocol/manifest-types.js';
import { buildBatch } from '../src/sdk/telemetry/batch.js';
import { createRecorder } from '../src/sdk/telemetry/recorder.js';

type ManifestJson = { models: Record<string, { versions: Record<string, { baseline: Baseline; inputs: { image?: { height: number; width: number; channels: number } }[] }> }> };

/** `variants` batches as JSON, each with `placeholder` as its batch id. */
export function scaleBatchesJson(root: string, placeholder: string, variants = 8): string[] {
  const manifest = JSON.parse(readFileSync(join(root, 'models/manifest.json'), 'utf8')) as ManifestJson;
  const model = (id: string) => {
    const [version, v] = Object.entries(manifest.models[id]!.versions)[0]!;
    return { id, version, labels: v.baseline.prediction.labels, baseline: { features: v.baseline.features, ...(v.inputs[0]?.image ? { image: v.inputs[0].image } : {}) } };
  };
  const digits = model('digits');
  const penguins = model('penguins');
  return Array.from({ length: variants }, (_, variant) => {
    let seed = 1 + variant * 7919;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const rec = createRecorder({ now: () => 1_700_000_000_000, random: rand });
    const predict = (m: typeof digits, i: number, backend: 'wasm' | 'webgl', input: Float32Array, ms: number) => {
      const k = Math.floor(rand() * m.labels.length);
      rec.recordPrediction({ id: `${m.id}${backend}${i}`, model: m.id, version: m.version, backend, variant: 'stable', ms, top: [{ index: k, label: m.labels[k], score: 0.4 + rand() * 0.6 }], inputs: () => [input], baseline: m.baseline });
      // Some users correct the answer (the demo's feedback buttons): about one in eight.
      if (i % 8 === 0) rec.feedback(`${m.id}${backend}${i}`, m.labels[rand() < 0.85 ? k : (k + 1) % m.labels.length]!);
    };
    for (let i = 0; i < 40; i++) {
      const img = new Float32Array(784);
      for (let p = 0; p < 784; p++) img[p] = rand() < 0.2 ? rand() : 0;
      predict(digits, i, 'wasm', img, 2 + rand() * 12);
    }
    for (let i = 0; i < 150; i++) {
      const row = new Float32Array([35 + rand() * 20, 14 + rand() * 7, 175 + rand() * 50, 2.8 + rand() * 3]);
      predict(penguins, i, i < 30 ? 'webgl' : 'wasm', row, 0.3 + rand() * 3);
    }
    rec.recordPrediction({ id: 'e1', model: 'digits', version: digits.version, backend: 'wasm', variant: 'stable', ms: 1, error: 'INPUT_SHAPE' });
    rec.recordLoad({ model: 'digits', version: digits.version, variant: 'stable', backend: 'wasm', source: 'network', bytes: 410_000, ms: 420, fallbacks: [{ backend: 'webgpu', reason: 'no adapter' }] });
    rec.recordLoad({ model: 'penguins', version: penguins.version, variant: 'stable', backend: 'webgl', source: 'cache', bytes: 5_120, ms: 38, fallbacks: [] });
    rec.recordCache('hit', 2);
    rec.recordCache('miss', 1);
    for (const [name, value] of [['LCP', 1200], ['FCP', 800], ['TTFB', 120], ['INP', 64], ['CLS', 0.02]] as const) rec.recordVital(name, `v-${name}`, value * (0.5 + rand()));
    const batch = buildBatch(rec.take()!, {
      client: { browser: variant % 2 ? 'firefox' : 'chrome', browserMajor: 126, os: variant % 3 ? 'windows' : 'android', device: variant % 3 ? 'desktop' : 'mobile' },
      sampleRate: 1, dropped: { queue: 0, outbox: 0 }, now: Date.now(),
    });
    // The window ends now, so every batch lands in the current minute (the report reads it back).
    batch.window = { start: Date.now() - 60_000, end: Date.now() };
    batch.batchId = placeholder;
    return JSON.stringify(batch);
  });
}
