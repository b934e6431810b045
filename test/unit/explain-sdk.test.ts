// model.explain() through the SDK (real files over HTTP, real client), and sampled idle
// explanations arriving at a collector endpoint as per-feature importance aggregates. Each case
// runs in direct mode and in worker mode (explain and telemetry behind the worker boundary).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createServer } from 'node:http';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createClient as createClientOf, type ClientOptions } from '../../src/index.js';
import { MODES } from '../support/channel-worker.js';
import type { Batch } from '../../src/protocol/wire-types.js';
import type { Manifest } from '../../src/protocol/manifest-types.js';
import { readFile } from 'node:fs/promises';
import { REPO_ROOT, serveStatic, type StaticServer } from '../support/fixtures-server.js';
import { linearModel, smallCnn } from './explain-models.js';

const DIR = join(REPO_ROOT, '.tmp/explain-sdk');
const FEATURES = ['bill_length', 'bill_depth', 'flipper', 'mass'];
const W = [0.5, -1, 2, 0.25];
let files: StaticServer;

async function save(model: { save: (h: tf.io.IOHandler) => Promise<unknown> }, name: string) {
  await mkdir(join(DIR, name), { recursive: true });
  await model.save(tf.io.withSaveHandler(async (a) => {
    const { weightData, weightSpecs, ...rest } = a;
    await writeFile(join(DIR, name, 'model.json'), JSON.stringify({ ...rest, weightsManifest: [{ paths: ['weights.bin'], weights: weightSpecs }] }));
    await writeFile(join(DIR, name, 'weights.bin'), new Uint8Array(weightData as ArrayBuffer));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  await save(linearModel(W, 0.1), 'linear');
  await save(smallCnn(8), 'cnn');
  files = await serveStatic();
});
afterAll(() => files.close());

const tabular = { inputs: [{ name: 'x', shape: [-1, 4], dtype: 'float32' as const, kind: 'tabular' as const, features: FEATURES }] };

describe.each(MODES)('%s mode', (_, extra) => {
  const createClient = (o: ClientOptions) => createClientOf({ ...o, ...extra() });

  test('model.explain names tabular features, honours method and background, and rejects batches', async () => {
    const client = createClient({ backends: ['cpu'], idbFactory: false, telemetry: false });
    const model = await client.load({ url: `${files.url}/.tmp/explain-sdk/linear/model.json`, ...tabular });
    const x = [1, 2, 3, 4];
    const ig = await model.explain(x);
    expect(ig.method).toBe('integrated-gradients');
    expect(ig.features?.map((f) => f.name)).toEqual(FEATURES);
    ig.features!.forEach((f, i) => expect(f.value).toBeCloseTo(W[i]! * x[i]!, 4)); // baseline 0: w·x
    const background = [[0, 0, 0, 0], [2, 2, 2, 2]];
    const shap = await model.explain(x, { method: 'kernel-shap', background });
    shap.features!.forEach((f, i) => expect(f.value).toBeCloseTo(W[i]! * (x[i]! - 1), 4));
    await expect(model.explain([x, x])).rejects.toMatchObject({ code: 'INPUT_SHAPE' });
    await expect(model.explain([1, 2])).rejects.toMatchObject({ code: 'INPUT_SHAPE' });
    model.dispose();
    await expect(model.explain(x)).rejects.toMatchObject({ code: 'DISPOSED' });
    await client.dispose();
  });

  test('image models get a saliency map', async () => {
    const client = createClient({ backends: ['cpu'], idbFactory: false, telemetry: false });
    const model = await client.load({ url: `${files.url}/.tmp/explain-sdk/cnn/model.json` });
    const e = await model.explain(tf.ones([8, 8, 1]));
    expect(e.saliency).toMatchObject({ height: 8, width: 8 });
    expect(Math.abs(e.delta)).toBeLessThan(0.01);
    await client.dispose();
  });

  test('telemetry.explainSampleRate: explanations run after predict and arrive as per-feature importance', async () => {
    const batches: Batch[] = [];
    const collector = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        batches.push(JSON.parse((req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString()));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
    const endpoint = `http://127.0.0.1:${(collector.address() as { port: number }).port}/v1/batches`;
    const client = createClient({ backends: ['cpu'], idbFactory: false, telemetry: { endpoint, appKey: 'pk_test', explainSampleRate: 1, webVitals: false } });
    const model = await client.load({ url: `${files.url}/.tmp/explain-sdk/linear/model.json`, ...tabular });
    const r = await model.predict([1, 2, 3, 4]);
    expect(r.data[0]).toBeCloseTo(0.5 - 2 + 6 + 1 + 0.1, 4); // predict's answer is untouched
    let importance: Record<string, { sum: number; n: number }> | undefined;
    // Bounded by time, not by 50 turns: the sampled explanation runs in idle time, late on a loaded machine.
    for (const end = Date.now() + 60_000; !importance && Date.now() < end;) {
      await new Promise((res) => setTimeout(res, 50));
      await client.flush();
      importance = batches.flatMap((b) => b.models).find((m) => m.importance)?.importance;
    }
    expect(Object.keys(importance ?? {})).toEqual(FEATURES);
    FEATURES.forEach((f, i) => expect(importance![f]!.sum / importance![f]!.n).toBeCloseTo(Math.abs(W[i]! * (i + 1)), 3));
    await client.dispose();
    await new Promise((r) => collector.close(() => r(undefined)));
  });

  test('shipped models from models/manifest.json: penguins explained against its baseline, digits as a saliency map', async () => {
    const client = createClient({ manifestUrl: `${files.url}/models/manifest.json`, backends: ['cpu'], idbFactory: false, cache: false, telemetry: false });
    const manifest = JSON.parse(await readFile(join(REPO_ROOT, 'models/manifest.json'), 'utf8')) as Manifest;
    const samples = JSON.parse(await readFile(join(REPO_ROOT, 'models/penguins/samples.json'), 'utf8')) as { features: string[]; samples: { input: number[]; label: string }[] };

    const penguins = await client.load('penguins');
    const row = samples.samples[0]!.input;
    const ig = await penguins.explain(row);
    expect(ig.features?.map((f) => f.name)).toEqual(samples.features);
    expect(ig.label).toBe(['Adelie', 'Chinstrap', 'Gentoo'][ig.classIndex]);
    expect(Math.abs(ig.delta)).toBeLessThanOrEqual(0.01);
    // KernelSHAP's background defaults to the version's manifest baseline: efficiency holds, and
    // its expected value is the model's mean output over that background, not f(0).
    const shap = await penguins.explain(row, { method: 'kernel-shap', classIndex: ig.classIndex });
    expect(Math.abs(shap.delta)).toBeLessThan(1e-4);
    expect(shap.baseScore).toBeGreaterThan(0.05);
    expect(shap.baseScore).toBeLessThan(0.95);
    const baseline = manifest.models.penguins!.versions[penguins.version]!.baseline!;
    expect(Object.keys(baseline.importance ?? {})).toEqual(samples.features);

    const digits = await client.load('digits');
    const pixels = JSON.parse(await readFile(join(REPO_ROOT, 'models/digits/samples.json'), 'utf8')).samples[0].input as number[];
    const e = await digits.explain(Float32Array.from(pixels)); // a flat typed array takes the model's shape
    expect(e.method).toBe('integrated-gradients');
    expect(e.saliency).toMatchObject({ height: 28, width: 28 });
    expect(Math.abs(e.delta)).toBeLessThanOrEqual(0.05);
    await client.dispose();
  });
});
