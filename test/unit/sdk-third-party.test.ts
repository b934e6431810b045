// A real third-party model as an npm package ships it: handtrackjs's SSD MobileNet FPN-lite
// hand detector (tensorflowjs_converter v3.5 graph-model, uint8-quantized weights, control flow
// + NonMaxSuppressionV5 so it needs executeAsync, uint8 image input). Loaded through the SDK
// and compared with raw tfjs on the same files and backend.
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createClient } from '../../src/index.js';
import { REPO_ROOT, serveStatic, type StaticServer } from '../support/fixtures-server.js';

const WASM_DIR = join(REPO_ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist/');
const MODEL_PATH = '/node_modules/handtrackjs/models/webmodel/ssd320fpnlite/int8/model.json';
let server: StaticServer;
beforeAll(async () => { server = await serveStatic(); setWasmPaths(WASM_DIR); });
afterAll(() => server.close());

test('handtrackjs SSD (uint8, executeAsync) answers through the SDK what raw tfjs answers', async () => {
  const json = JSON.parse(readFileSync(join(REPO_ROOT, MODEL_PATH), 'utf8'));
  expect(json.weightsManifest[0].weights.some((w: { quantization?: { dtype: string } }) => w.quantization?.dtype === 'uint8')).toBe(true);

  // A synthetic 96x96 RGBA picture (ImageData-like): the detector's input is raw uint8 pixels.
  const w = 96, h = 96;
  const data = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < w * h; i++) data.set([(i * 13) % 256, (i >> 3) % 256, ((i % w) * 2) % 256, 255], i * 4);

  const c = createClient({ backends: ['wasm'], assetsUrl: WASM_DIR, idbFactory: false });
  const model = await c.load({ url: server.url + MODEL_PATH });
  expect(model.backend).toBe('wasm');
  const r = await model.predict({ data, width: w, height: h });
  expect(r.outputs!.length).toBe(8);

  await tf.setBackend('wasm');
  const raw = await loadGraphModel(server.url + MODEL_PATH);
  const x = tf.tidy(() => tf.expandDims(tf.slice(tf.tensor3d(Int32Array.from(data), [h, w, 4]), [0, 0, 0], [-1, -1, 3]), 0));
  const outs = (await raw.executeAsync(x)) as tf.Tensor[];
  const want = await Promise.all(outs.map((t) => t.data()));
  expect(r.outputs!.map((o) => o.shape)).toEqual(outs.map((t) => t.shape));
  r.outputs!.forEach((o, i) => expect(Array.from(o.data)).toEqual(Array.from(want[i]!).map((v) => expect.closeTo(v, 4))));
  tf.dispose([...outs, x]); raw.dispose();
  await c.dispose();
});
