// SDK predict vs raw tfjs predict: same model file, same backend, same input, in one process.
// Both sides do the full round trip a caller needs: typed array in → tensor → execute → data()
// out → dispose. Rounds alternate SDK and raw so drift on a shared machine hits both.
// Node: cpu and wasm. Chromium (webgpu, wasm): the vite-built page of test/fixtures/e2e-page,
// driven by Playwright (test/support/fixtures-page.ts). NODE_ONLY=1 skips Chromium.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import { join } from 'node:path';
import { createClient } from '../src/index.js';
import { ensureBenchModel, seeded } from '../test/support/fixtures.js';
import { REPO_ROOT, serveStatic } from '../test/support/fixtures-server.js';
import { runChromiumBench } from '../test/support/fixtures-page.js';

const SAMPLES = Number(process.env.SAMPLES ?? 400);
const BATCH = 16;
const WASM_DIR = join(REPO_ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist/');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function timeLoop(fn: () => Promise<unknown>, n: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  return (performance.now() - t0) / n;
}

const dir = await ensureBenchModel();
const server = await serveStatic();
const url = `${server.url}/${dir.slice(REPO_ROOT.length + 1)}/model.json`;
setWasmPaths(WASM_DIR);
const input = seeded(BATCH * 256, 7);

for (const backend of ['cpu', 'wasm'] as const) {
  const client = createClient({ backends: [backend], assetsUrl: WASM_DIR, idbFactory: false });
  const model = await client.load({ url });
  await tf.setBackend(backend);
  const raw = await loadGraphModel(url);
  const rawPredict = async () => {
    const x = tf.tensor(input, [BATCH, 256]);
    const y = raw.execute(x) as tf.Tensor;
    await y.data();
    tf.dispose([x, y]);
  };
  const sdkPredict = () => model.predict(input);
  await timeLoop(sdkPredict, 10); await timeLoop(rawPredict, 10);
  // Alternate single calls (sdk, raw, raw, sdk, ...) and compare per-call medians: on a shared,
  // loaded machine this cancels drift far better than timing long blocks.
  const sdk: number[] = [], base: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const first = i % 2 ? sdkPredict : rawPredict;
    const second = i % 2 ? rawPredict : sdkPredict;
    let t = performance.now(); await first(); const a = performance.now() - t;
    t = performance.now(); await second(); const b = performance.now() - t;
    (i % 2 ? sdk : base).push(a); (i % 2 ? base : sdk).push(b);
  }
  if (process.env.VERBOSE) console.error(backend, 'p10/p50/p90 sdk', [0.1, 0.5, 0.9].map((q) => [...sdk].sort((a, b) => a - b)[Math.floor(q * sdk.length)]!.toFixed(3)).join('/'), 'raw', [0.1, 0.5, 0.9].map((q) => [...base].sort((a, b) => a - b)[Math.floor(q * base.length)]!.toFixed(3)).join('/'));
  const value = median(sdk), baseline = median(base), ratio = value / baseline;
  console.log(JSON.stringify({ bench: 'predict-overhead', case: `node-${backend}`, value: +value.toFixed(4), unit: 'ms/predict', baseline: +baseline.toFixed(4), ratio: +ratio.toFixed(4), target: '<= 1.03', pass: ratio <= 1.03 }));
  raw.dispose();
  await client.dispose();
}
await server.close();
// Chromium: the same comparison in a vite-built page (webgpu on SwiftShader, threaded wasm).
if (!process.env.NODE_ONLY) await runChromiumBench('predict-overhead', dir);
