// Shared by the CLI tests: run the CLI in-process, make small real TF.js models on disk.
import { mkdtempSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { runCli } from '../../src/cli/main.js';
import { fileSaver } from '../../src/cli/model-files.js';
import { initTf } from '../../src/cli/tf-node.js';

export async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}

export const tempDir = (name: string) => mkdtempSync(join(tmpdir(), `inferscope-${name}-`));

/** A small conv + dense classifier (28×28×1 -> 10) with seeded weights, saved as float32. */
export async function saveImageModel(dir: string): Promise<string> {
  await initTf('cpu');
  const init = (s: number) => tfl.initializers.glorotUniform({ seed: s });
  const m = tfl.sequential();
  m.add(tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: init(1), biasInitializer: 'zeros' }));
  m.add(tfl.layers.maxPooling2d({ poolSize: 4 }));
  m.add(tfl.layers.flatten());
  m.add(tfl.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(2), biasInitializer: tfl.initializers.randomUniform({ minval: -0.1, maxval: 0.1, seed: 3 }) }));
  m.setUserDefinedMetadata({ inferscope: { kind: 'image', labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], image: { height: 28, width: 28, channels: 1 } } });
  await m.save(fileSaver(dir));
  m.dispose();
  return join(dir, 'model.json');
}

export const PENGUIN_FEATURES = ['beak_length_mm', 'beak_depth_mm', 'flipper_length_mm', 'body_mass_kg'];

/** A tabular model (4 named features -> 3 species) with seeded weights. */
export async function saveTabularModel(dir: string): Promise<string> {
  await initTf('cpu');
  const m = tfl.sequential();
  m.add(tfl.layers.dense({ inputShape: [4], units: 8, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 5 }) }));
  m.add(tfl.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 6 }) }));
  m.setUserDefinedMetadata({ inferscope: { kind: 'tabular', features: PENGUIN_FEATURES, labels: ['Adelie', 'Chinstrap', 'Gentoo'] } });
  await m.save(fileSaver(dir));
  m.dispose();
  return join(dir, 'model.json');
}

/**
 * A graph model written by hand the way tfjs-converter lays one out: x·W + b, reshaped by an
 * int32 constant (which quantization must leave alone).
 */
export async function saveGraphModel(dir: string): Promise<{ path: string; w: Float32Array; b: Float32Array }> {
  await mkdir(dir, { recursive: true });
  const w = Float32Array.from({ length: 12 }, (_, i) => Math.sin(i + 1) * 0.8);
  const b = Float32Array.from([0.3, -0.2, 0]);
  const shape = Int32Array.from([-1, 3]);
  const dim = (...d: number[]) => ({ dim: d.map((s) => ({ size: String(s) })) });
  const konst = (name: string, type: string, d: number[]) => ({ name, op: 'Const', attr: { dtype: { type }, value: { tensor: { dtype: type, tensorShape: dim(...d) } } } });
  const json = {
    format: 'graph-model',
    generatedBy: 'inferscope test',
    convertedBy: 'hand',
    modelTopology: {
      node: [
        { name: 'x', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: dim(-1, 4) } } },
        konst('w', 'DT_FLOAT', [4, 3]),
        konst('b', 'DT_FLOAT', [3]),
        konst('shape', 'DT_INT32', [2]),
        { name: 'mm', op: 'MatMul', input: ['x', 'w'], attr: { T: { type: 'DT_FLOAT' }, transpose_a: { b: false }, transpose_b: { b: false } } },
        { name: 'add', op: 'BiasAdd', input: ['mm', 'b'], attr: { T: { type: 'DT_FLOAT' } } },
        { name: 'out', op: 'Reshape', input: ['add', 'shape'], attr: { T: { type: 'DT_FLOAT' }, Tshape: { type: 'DT_INT32' } } },
      ],
      versions: { producer: 1 },
    },
    weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: [
      { name: 'w', shape: [4, 3], dtype: 'float32' },
      { name: 'shape', shape: [2], dtype: 'int32' },
      { name: 'b', shape: [3], dtype: 'float32' },
    ] }],
  };
  const bytes = new Uint8Array(w.byteLength + shape.byteLength + b.byteLength);
  bytes.set(new Uint8Array(w.buffer), 0);
  bytes.set(new Uint8Array(shape.buffer), w.byteLength);
  bytes.set(new Uint8Array(b.buffer), w.byteLength + shape.byteLength);
  await writeFile(join(dir, 'model.json'), JSON.stringify(json));
  await writeFile(join(dir, 'group1-shard1of1.bin'), bytes);
  return { path: join(dir, 'model.json'), w, b };
}
