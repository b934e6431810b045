// Recording one prediction (the telemetry hook model.predict calls) vs the predict time of
// the smallest shipped model, both measured here in the same run, through the SDK on the cpu
// backend. The model: the smallest layers-model under models/<id>/<version>/float32/ (by
// weight bytes); when models/ has none yet, the suite's smallest fixture (4-input MLP).
// Target: record <= 1% of predict.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from '../src/index.js';
import { createTelemetry } from '../src/sdk/telemetry/index.js';
import type { PredictionEvent } from '../src/sdk/telemetry/types.js';
import type { FeatureBaseline } from '../src/protocol/manifest-types.js';
import { ensureFixtures } from '../test/support/fixtures.js';
import { REPO_ROOT, serveStatic } from '../test/support/fixtures-server.js';

const ROUNDS = Number(process.env.ROUNDS ?? 7);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The smallest shipped layers-model: { path relative to the repo, input length }. */
function smallestShipped(): { rel: string; inputs: number; name: string } | undefined {
  const root = join(REPO_ROOT, 'models');
  const found: { rel: string; inputs: number; bytes: number; name: string }[] = [];
  for (const id of existsSync(root) ? readdirSync(root) : []) {
    const idDir = join(root, id);
    if (!statSync(idDir).isDirectory()) continue;
    for (const v of readdirSync(idDir)) {
      const file = join(idDir, v, 'float32', 'model.json');
      if (!existsSync(file)) continue;
      const json = JSON.parse(readFileSync(file, 'utf8'));
      const shape = /"batch_input_shape":\s*\[([^\]]*)\]/.exec(JSON.stringify(json.modelTopology ?? {}))?.[1];
      if (json.format !== 'layers-model' || !shape) continue;
      const inputs = shape.split(',').map((x) => parseInt(x, 10)).filter((x) => x > 0).reduce((a, b) => a * b, 1);
      const bytes = json.weightsManifest.flatMap((g: { paths: string[] }) => g.paths).reduce((s: number, p: string) => s + statSync(join(idDir, v, 'float32', p)).size, 0);
      found.push({ rel: `models/${id}/${v}/float32/model.json`, inputs, bytes, name: `${id}@${v}` });
    }
  }
  return found.sort((a, b) => a.bytes - b.bytes)[0];
}

// Predict time of the smallest model, through the SDK (telemetry off so it is not counted twice).
const shipped = smallestShipped();
const rel = shipped?.rel ?? `${(await ensureFixtures()).slice(REPO_ROOT.length + 1)}/layers-float32/model.json`;
const modelName = shipped?.name ?? 'fixture layers-float32';
const server = await serveStatic();
const input = Float32Array.from({ length: shipped?.inputs ?? 4 }, (_, i) => 0.1 * (i + 1));
const WASM_DIR = join(REPO_ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist/');
/** Median ms per predict on one backend (telemetry off so recording is not counted twice). */
async function predictTime(backend: 'cpu' | 'wasm'): Promise<number> {
  const client = createClient({ backends: [backend], assetsUrl: WASM_DIR, idbFactory: false, cache: false, telemetry: false });
  const model = await client.load({ url: `${server.url}/${rel}` });
  for (let i = 0; i < 50; i++) await model.predict(input);
  const per: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const n = 300;
    const t = performance.now();
    for (let i = 0; i < n; i++) await model.predict(input);
    per.push((performance.now() - t) / n);
  }
  await client.dispose();
  return median(per);
}
const predicts = { cpu: await predictTime('cpu'), wasm: await predictTime('wasm') };
await server.close();

// Recording: the real recorder behind a live telemetry instance whose sends go nowhere.
const features: FeatureBaseline[] = Array.from({ length: Math.min(4, input.length) }, (_, j) => ({ name: `f${j}`, index: j, edges: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9], expected: new Array(10).fill(0.1) }));
const labels = ['setosa', 'versicolor', 'virginica'];
function recordCost(withDrift: boolean): number {
  const t = createTelemetry({ endpoint: 'https://collector.invalid/v1/batches', webVitals: false, flushIntervalMs: 3_600_000, maxBatchPredictions: 1e9, fetch: async () => new Response(null, { status: 204 }) });
  const rows = [Float32Array.from(input)];
  const per: number[] = [];
  let k = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const n = 200_000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++, k++) {
      // Built as model.predict builds it: one event object per call.
      const e: PredictionEvent = {
        id: 'p' + k, model: 'iris', version: '1.0.0', backend: 'cpu', variant: 'stable', ms: 0.2 + (k % 50) / 100,
        top: [{ index: k % 3, label: labels[k % 3], score: 0.5 + (k % 50) / 100 }],
      };
      if (withDrift) { e.baseline = { features }; e.inputs = () => rows; }
      t.recordPrediction(e);
    }
    per.push((performance.now() - t0) / n);
  }
  void t.dispose();
  return median(per);
}

for (const drift of [false, true]) {
  const value = recordCost(drift);
  for (const [backend, predict] of Object.entries(predicts)) {
    const ratio = value / predict;
    console.log(JSON.stringify({
      bench: 'record-overhead', case: `${drift ? `record+drift-bins(${features.length} features)` : 'record'} vs predict(${modelName}, ${backend})`,
      value: +(value * 1000).toFixed(4), unit: 'us/prediction', baseline: +(predict * 1000).toFixed(2), ratio: +ratio.toFixed(5), target: '<= 0.01', pass: ratio <= 0.01,
    }));
  }
}
