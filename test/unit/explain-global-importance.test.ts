// models/importance.ts: training-time global importance (mean |attribution| over the samples)
// computed with the SDK's explain defaults and written into the manifest baseline.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, expect, test } from 'vitest';
import { globalImportance } from '../../models/importance.js';
import type { Baseline, Manifest } from '../../src/protocol/manifest-types.js';
import { backgroundFromBaseline } from '../../src/sdk/explain/index.js';
import { linearModel } from './explain-models.js';

const W = [0.5, -2, 1];
const FEATURES = ['a', 'b', 'c'];
const BASELINE: Baseline = {
  sampleCount: 100,
  features: FEATURES.map((name, index) => ({ name, index, edges: [-1, 0, 1], expected: [0.1, 0.4, 0.4, 0.1] })),
  prediction: { labels: ['y'], expected: [1] },
};
const ROWS = [[1, 2, 3], [-1, 0.5, 0], [0.2, -0.3, 2], [2, 2, -2]];

/** IG on a linear model with the tabular default reference (background mean): |w_i·(x_i − m_i)|. */
function expected(): number[] {
  const rows = backgroundFromBaseline(BASELINE, 3).rows;
  const m = [0, 1, 2].map((i) => rows.reduce((s, r) => s + r[i]!, 0) / rows.length);
  return W.map((w, i) => ROWS.reduce((s, x) => s + Math.abs(w * (x[i]! - m[i]!)), 0) / ROWS.length);
}

beforeAll(async () => { await tf.setBackend('cpu'); });

test('globalImportance is the mean |attribution| per feature', async () => {
  const imp = await globalImportance(linearModel(W), ROWS, { features: FEATURES, baseline: BASELINE });
  expect(Object.keys(imp)).toEqual(FEATURES);
  expected().forEach((v, i) => expect(imp[FEATURES[i]!]).toBeCloseTo(v, 3));
  await expect(globalImportance(linearModel(W), [], { features: FEATURES })).rejects.toThrow(/no sample rows/);
});

test('the script writes baseline.importance into the manifest and leaves the rest as it was', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'inferscope-importance-'));
  try {
    const model = linearModel(W);
    await mkdir(join(dir, 't/1.0.0'), { recursive: true });
    await model.save(tf.io.withSaveHandler(async (a) => {
      await writeFile(join(dir, 't/1.0.0/model.json'), JSON.stringify({ modelTopology: a.modelTopology, format: 'layers-model', weightsManifest: [{ paths: ['w.bin'], weights: a.weightSpecs }] }));
      await writeFile(join(dir, 't/1.0.0/w.bin'), new Uint8Array(a.weightData as ArrayBuffer));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const manifest: Manifest = {
      schemaVersion: 1,
      models: {
        t: {
          channels: { stable: { version: '1.0.0' } },
          versions: {
            '1.0.0': {
              url: 't/1.0.0/model.json', format: 'layers-model', quantization: 'none',
              files: [{ path: 'model.json', sha256: 'a'.repeat(64), bytes: 1 }],
              inputs: [{ name: 'x', shape: [-1, 3], dtype: 'float32', kind: 'tabular', features: FEATURES }],
              outputs: [{ name: 'y', shape: [-1, 1], dtype: 'float32' }],
              baseline: BASELINE,
            },
          },
        },
      },
    };
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
    await writeFile(join(dir, 't/samples.json'), JSON.stringify({ model: 't', shape: [3], labels: ['y'], features: FEATURES, source: 'test', samples: ROWS.map((input) => ({ input, label: 'y' })) }));
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'models/importance.ts', '--model', 't', '--manifest', join(dir, 'manifest.json'), '--backend', 'cpu']);
    const written = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Manifest;
    const imp = written.models.t!.versions['1.0.0']!.baseline!.importance!;
    expect(JSON.parse(stdout)).toEqual(imp);
    expected().forEach((v, i) => expect(imp[FEATURES[i]!]).toBeCloseTo(v, 3));
    delete written.models.t!.versions['1.0.0']!.baseline!.importance;
    expect(written).toEqual(manifest);
    const bad = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'models/importance.ts', '--model', 'nope', '--manifest', join(dir, 'manifest.json')]).catch((e) => e);
    expect(bad.stderr).toMatch(/no model "nope"; it has t/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
