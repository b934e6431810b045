// `inferscope quantize`: converter-compatible output that loads through raw tfjs and through
// the SDK, and answers like the float32 model within the quantization error.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fileLoader } from '../../src/cli/model-files.js';
import { createClient } from '../../src/index.js';
import { serveStatic, type StaticServer } from '../support/fixtures-server.js';
import { cli, saveGraphModel, saveImageModel, tempDir } from './cli-helpers.js';

const root = tempDir('quantize');
let float32: string;
let server: StaticServer;
let input: tf.Tensor;

beforeAll(async () => {
  float32 = await saveImageModel(join(root, 'float32'));
  input = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 7);
  server = await serveStatic({ root });
});
afterAll(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

async function predictFile(path: string): Promise<Float32Array> {
  const m = await loadLayersModel(fileLoader(path));
  const y = m.predict(input) as tf.Tensor;
  const d = (await y.data()) as Float32Array;
  y.dispose();
  m.dispose();
  return d;
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe.each([
  ['uint8', 0.26, 0.05],
  ['uint16', 0.51, 1e-3],
  ['float16', 0.51, 1e-3],
] as const)('--dtype %s', (dtype, maxRatio, tolerance) => {
  const out = () => join(root, dtype);

  test('writes the converter layout, with sizes printed before and after', async () => {
    const r = await cli('quantize', float32, '--dtype', dtype, '--out', out(), '--shard-bytes', '256');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`layers-model: 4 float32 weight tensor\\(s\\) -> ${dtype}`));
    expect(r.out).toMatch(/weights\s+[\d.]+ KiB ->\s+[\d.]+ (KiB|B)\s+\(0\.\d+x\)/);
    const json = JSON.parse(readFileSync(join(out(), 'model.json'), 'utf8'));
    const group = json.weightsManifest[0];
    // Several shards of at most 256 bytes, named like tfjs-converter names them.
    expect(group.paths.length).toBeGreaterThan(1);
    group.paths.forEach((p: string, i: number) => expect(p).toBe(`group1-shard${i + 1}of${group.paths.length}.bin`));
    expect(readdirSync(out()).filter((f) => f.includes('.tmp-'))).toEqual([]);
    for (const w of group.weights) {
      expect(w.dtype).toBe('float32');
      expect(w.quantization.dtype).toBe(dtype);
      expect(w.quantization.original_dtype).toBe('float32');
      if (dtype !== 'float16') {
        const { min, scale } = w.quantization;
        // Zero is exactly representable: -min / scale is a whole number (when 0 is in range).
        if (min <= 0) expect(Math.abs(-min / scale - Math.round(-min / scale))).toBeLessThan(1e-6);
      }
    }
    const size = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.bin')).reduce((n, f) => n + readFileSync(join(dir, f)).length, 0);
    expect(size(out()) / size(join(root, 'float32'))).toBeLessThanOrEqual(maxRatio);
  });

  test('loads through tfjs: every weight within half a quantization step, outputs close to float32', async () => {
    const [a, b] = [await loadLayersModel(fileLoader(float32)), await loadLayersModel(fileLoader(join(out(), 'model.json')))];
    const spec = JSON.parse(readFileSync(join(out(), 'model.json'), 'utf8')).weightsManifest[0].weights;
    a.getWeights().forEach((w, i) => {
      const q = spec[i].quantization;
      const step = dtype === 'float16' ? 0 : q.scale / 2;
      const orig = w.dataSync();
      const got = b.getWeights()[i]!.dataSync();
      orig.forEach((v, k) => {
        const bound = dtype === 'float16' ? Math.abs(v) * 2 ** -11 + 6e-8 : step * (1 + 1e-6);
        expect(Math.abs(got[k]! - v)).toBeLessThanOrEqual(bound);
      });
      if (dtype !== 'float16') orig.forEach((v, k) => v === 0 && expect(got[k]).toBe(0));
    });
    a.dispose();
    b.dispose();
    expect(maxDiff(await predictFile(join(out(), 'model.json')), await predictFile(float32))).toBeLessThan(tolerance);
  });

  test('loads through the SDK and answers what tfjs answers for the same files', async () => {
    const client = createClient({ backends: ['cpu'], idbFactory: false, cache: false, telemetry: false, selfTest: false });
    try {
      const model = await client.load({ url: `${server.url}/${dtype}/model.json` });
      const reference = await client.load({ url: `${server.url}/float32/model.json` });
      const batch = input.arraySync() as number[][][][];
      const [r, f] = [await model.predict(batch), await reference.predict(batch)];
      expect(Array.from(r.data)).toEqual(Array.from(await predictFile(join(out(), 'model.json'))).map((v) => expect.closeTo(v, 5)));
      expect(maxDiff(r.data, f.data)).toBeLessThan(tolerance);
    } finally {
      await client.dispose();
    }
  });
});

test('graph models: float32 constants quantized, the int32 shape constant kept byte for byte', async () => {
  const g = await saveGraphModel(join(root, 'graph'));
  const r = await cli('quantize', g.path, '--dtype', 'uint8', '--out', join(root, 'graph-uint8'));
  expect(r.code).toBe(0);
  expect(r.out).toContain('graph-model: 2 float32 weight tensor(s) -> uint8; kept as is: shape (int32)');
  const json = JSON.parse(readFileSync(join(root, 'graph-uint8', 'model.json'), 'utf8'));
  expect(json.format).toBe('graph-model');
  expect(json.modelTopology).toEqual(JSON.parse(readFileSync(g.path, 'utf8')).modelTopology);
  const [w, shape, b] = json.weightsManifest[0].weights;
  expect(shape).toEqual({ name: 'shape', shape: [2], dtype: 'int32' });
  const bin = readFileSync(join(root, 'graph-uint8', 'group1-shard1of1.bin'));
  expect(bin.length).toBe(12 + 8 + 3);
  expect(Array.from(new Int32Array(bin.buffer.slice(bin.byteOffset + 12, bin.byteOffset + 20)))).toEqual([-1, 3]);
  // b = [0.3, -0.2, 0]: the nudged range keeps its 0 exactly 0.
  expect(b.quantization.min).toBeLessThan(0);
  expect(bin[20 + 2]! * b.quantization.scale + b.quantization.min).toBeCloseTo(0, 12);
  expect(w.quantization.dtype).toBe('uint8');
  const x = tf.tensor2d([[1, 2, 3, 4], [-1, 0.5, 0, 2]]);
  const run = async (p: string) => {
    const m = await loadGraphModel(fileLoader(p));
    const y = m.execute(x) as tf.Tensor;
    const d = await y.data();
    m.dispose();
    return d;
  };
  expect(maxDiff(await run(join(root, 'graph-uint8', 'model.json')), await run(g.path))).toBeLessThan(0.05);
});

describe('bad input: a message naming the file, a non-zero exit, no output', () => {
  test('a JSON file that is not a TF.js model', async () => {
    const p = join(root, 'not-a-model.json');
    writeFileSync(p, JSON.stringify({ hello: 'world' }));
    const r = await cli('quantize', p, '--dtype', 'uint8', '--out', join(root, 'nm-out'));
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${p}: not a TF.js model: no "modelTopology" object`);
    expect(existsSync(join(root, 'nm-out'))).toBe(false);
  });

  test('invalid JSON names line and column', async () => {
    const p = join(root, 'broken.json');
    writeFileSync(p, '{\n  "modelTopology": {},\n  oops\n}');
    const r = await cli('quantize', p, '--dtype', 'uint8', '--out', join(root, 'broken-out'));
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${p}:3:3: invalid JSON`);
    expect(existsSync(join(root, 'broken-out'))).toBe(false);
  });

  test('a missing shard', async () => {
    const dir = join(root, 'missing');
    const p = await saveImageModel(dir);
    rmSync(join(dir, 'group1-shard1of1.bin'));
    const r = await cli('quantize', p, '--dtype', 'float16', '--out', join(root, 'missing-out'));
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${p}: weight shard "group1-shard1of1.bin" (weightsManifest[0]) is missing`);
    expect(existsSync(join(root, 'missing-out'))).toBe(false);
  });

  test('a bad --eval file leaves no output behind', async () => {
    const p = join(root, 'eval.csv');
    writeFileSync(p, 'label,a\n1,2\n');
    const r = await cli('quantize', float32, '--dtype', 'uint8', '--out', join(root, 'eval-out'), '--eval', p);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${p}:1:1: expected 784 value columns`);
    expect(existsSync(join(root, 'eval-out'))).toBe(false);
  });

  test('an unknown dtype is a usage error (exit 2)', async () => {
    const r = await cli('quantize', float32, '--dtype', 'int4', '--out', join(root, 'x'));
    expect(r.code).toBe(2);
    expect(r.err).toContain('--dtype must be one of uint8, uint16, float16, got "int4"');
  });
});

describe('float16 sources and outlier-dominated tensors (#17.5)', () => {
  const f16 = () => join(root, 'float16', 'model.json'); // written by the --dtype float16 case above
  const weightsOf = (p: string) => JSON.parse(readFileSync(p, 'utf8')).weightsManifest[0].weights as { name: string; quantization: { dtype: string; scale?: number } }[];
  const bins = (dir: string) => Buffer.concat((JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')).weightsManifest[0].paths as string[]).map((f) => readFileSync(join(dir, f))));

  test('a float16 model quantizes: widening is exact (float16 again gives the same bytes), uint8 lands within half a step', async () => {
    const again = await cli('quantize', f16(), '--dtype', 'float16', '--out', join(root, 'f16-again'));
    expect(again.code).toBe(0);
    expect(again.out).toContain('layers-model: 4 float16 weight tensor(s) -> float16 (4 float16 widened to float32 first, exactly)');
    expect(bins(join(root, 'f16-again')).equals(bins(join(root, 'float16')))).toBe(true);
    const r = await cli('quantize', f16(), '--dtype', 'uint8', '--out', join(root, 'f16-uint8'));
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const [a, b] = [await loadLayersModel(fileLoader(f16())), await loadLayersModel(fileLoader(join(root, 'f16-uint8', 'model.json')))];
    const spec = weightsOf(join(root, 'f16-uint8', 'model.json'));
    a.getWeights().forEach((w, i) => {
      const got = b.getWeights()[i]!.dataSync();
      w.dataSync().forEach((v, k) => expect(Math.abs(got[k]! - v)).toBeLessThanOrEqual((spec[i]!.quantization.scale! / 2) * (1 + 1e-4)));
    });
    a.dispose(); b.dispose();
  });

  test('outliers: the tensor is named with the step/typical ratio; --keep-outliers keeps it float16; the output difference on samples is reported', async () => {
    const dir = join(root, 'outliers');
    const p = await saveImageModel(dir);
    const json = JSON.parse(readFileSync(p, 'utf8'));
    const kernel = json.weightsManifest[0].weights[0].name as string; // the conv kernel, first in the shard
    const shard = join(dir, json.weightsManifest[0].paths[0]);
    const bytes = readFileSync(shard);
    const f = new Float32Array(bytes.buffer, bytes.byteOffset, 36);
    f[0] = 40; f[1] = -40; // a kernel whose span is set by two weights far from its typical ~0.2
    writeFileSync(shard, bytes);
    const samples = join(root, 'unlabelled.json');
    writeFileSync(samples, JSON.stringify({ samples: Array.from({ length: 3 }, (_, s) => ({ input: Array.from({ length: 784 }, (_, i) => ((i * 7 + s * 13) % 17) / 17) })) }));

    const plain = await cli('quantize', p, '--dtype', 'uint8', '--out', join(root, 'outliers-uint8'), '--eval', samples);
    expect(plain.code).toBe(0);
    expect(plain.err).toMatch(new RegExp(`warning: "${kernel}" spans -40\\.\\.40 while its typical \\|weight\\| is [\\d.]+: one uint8 step \\(0\\.314\\) is \\dx a typical weight; pass --keep-outliers`));
    expect(plain.err.match(/warning:/g)).toHaveLength(1);
    expect(plain.out).toMatch(/max \|output difference\| vs float32 on 3 samples: \d\.\d\de[-+]\d+/);
    expect(weightsOf(join(root, 'outliers-uint8', 'model.json'))[0]!.quantization.dtype).toBe('uint8');

    const keep = await cli('quantize', p, '--dtype', 'uint8', '--out', join(root, 'outliers-keep'), '--eval', samples, '--keep-outliers');
    expect(keep.code).toBe(0);
    expect(keep.err).toContain('kept at float16 (--keep-outliers)');
    expect(weightsOf(join(root, 'outliers-keep', 'model.json')).map((w) => w.quantization.dtype)).toEqual(['float16', 'uint8', 'uint8', 'uint8']);
    expect(keep.out).toMatch(/max \|output difference\| vs float32 on 3 samples: /);
    // What the warning is about: uint8 collapses the kernel's typical weights onto a few levels;
    // float16 keeps them.
    const kernelError = async (out: string) => {
      const m = await loadLayersModel(fileLoader(join(root, out, 'model.json')));
      const got = m.getWeights()[0]!.dataSync();
      m.dispose();
      return Array.from(f).reduce((e, v, i) => Math.max(e, Math.abs(got[i]! - v)), 0);
    };
    expect(await kernelError('outliers-uint8')).toBeGreaterThan(0.05);
    expect(await kernelError('outliers-keep')).toBeLessThan(0.05);
  });
});
