// Fixture models built by the test suite (nothing large is committed): converter-format
// model.json + weight shards, in the layout tensorflowjs_converter writes. Layers models come
// from tfjs-layers' own save(); graph models are GraphDef JSON written here op by op.
// Quantization follows tensorflowjs/quantization.py: affine uint8/uint16 with the range nudged
// so 0 is exact, float16 by IEEE half conversion; the weights manifest carries
// { dtype, min, scale, original_dtype } exactly as the converter writes it.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../.tmp/fixtures');
const STAMP = 'v4';

export type Quant = 'float32' | 'uint8' | 'uint16' | 'float16';
export interface FixtureInfo { name: string; format: 'layers-model' | 'graph-model'; quant: Quant; shards: number; async: boolean; inputShape: number[] }

/** Deterministic values in [-1, 1) (LCG), so every run builds the same models. */
export function seeded(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 31 - 1; });
}

function float16(v: number): number {
  const f = new Float32Array([v]);
  const x = new Uint32Array(f.buffer)[0]!;
  const sign = (x >>> 16) & 0x8000;
  let exp = ((x >>> 23) & 0xff) - 127 + 15;
  let mant = x & 0x7fffff;
  if (exp <= 0) { if (exp < -10) return sign; mant = (mant | 0x800000) >> (1 - exp); return sign | ((mant + 0x1000) >> 13); }
  if (exp >= 31) return sign | 0x7c00;
  const r = sign | (exp << 10) | ((mant + 0x1000) >> 13); // round half up on the dropped bits
  return r;
}

interface WeightEntry { name: string; shape: number[]; dtype: 'float32' | 'int32'; values: Float32Array | Int32Array }

/** Encode weights like the converter: returns manifest entries and the concatenated bytes. */
export function encodeWeights(weights: WeightEntry[], quant: Quant): { specs: object[]; bytes: Uint8Array } {
  const parts: Uint8Array[] = [];
  const specs = weights.map((w) => {
    if (w.dtype === 'int32' || quant === 'float32') {
      parts.push(new Uint8Array(w.values.slice().buffer));
      return { name: w.name, shape: w.shape, dtype: w.dtype };
    }
    const v = w.values as Float32Array;
    if (quant === 'float16') {
      parts.push(new Uint8Array(Uint16Array.from(v, float16).buffer));
      return { name: w.name, shape: w.shape, dtype: 'float32', quantization: { dtype: 'float16', original_dtype: 'float32' } };
    }
    const qmax = quant === 'uint8' ? 255 : 65535;
    let min = Math.min(...v), max = Math.max(...v), scale = 1;
    let q: Uint8Array | Uint16Array;
    if (min === max) {
      q = quant === 'uint8' ? new Uint8Array(v.length) : new Uint16Array(v.length);
    } else {
      scale = (max - min) / qmax;
      if (min <= 0 && 0 <= max) { const zero = Math.round(-min / scale); min = -zero * scale; max = qmax * scale + min; }
      const f = (x: number) => Math.round((Math.min(max, Math.max(min, x)) - min) / scale);
      q = quant === 'uint8' ? Uint8Array.from(v, f) : Uint16Array.from(v, f);
    }
    parts.push(new Uint8Array(q.buffer));
    return { name: w.name, shape: w.shape, dtype: 'float32', quantization: { dtype: quant, min, scale, original_dtype: 'float32' } };
  });
  const total = parts.reduce((s, p) => s + p.length, 0);
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const p of parts) { bytes.set(p, at); at += p.length; }
  return { specs, bytes };
}

function writeModel(dir: string, json: Record<string, unknown>, specs: object[], bytes: Uint8Array, shards: number) {
  mkdirSync(dir, { recursive: true });
  const size = Math.ceil(bytes.length / shards);
  const paths: string[] = [];
  for (let i = 0; i < shards; i++) {
    const p = `group1-shard${i + 1}of${shards}.bin`;
    writeFileSync(join(dir, p), bytes.subarray(i * size, Math.min(bytes.length, (i + 1) * size)));
    paths.push(p);
  }
  writeFileSync(join(dir, 'model.json'), JSON.stringify({ ...json, weightsManifest: [{ paths, weights: specs }] }));
}

// ---- graph models (GraphDef JSON) ----
const b64 = (s: string) => Buffer.from(s).toString('base64');
const shapeAttr = (shape: number[]) => ({ dim: shape.map((d) => ({ size: String(d) })) });
const F = { type: 'DT_FLOAT' };
const placeholder = (name: string, shape: number[]) => ({ name, op: 'Placeholder', attr: { dtype: F, shape: { shape: shapeAttr(shape) } } });
const constNode = (name: string, shape: number[], dtype = 'DT_FLOAT') => ({ name, op: 'Const', attr: { value: { tensor: { dtype, tensorShape: shapeAttr(shape) } }, dtype: { type: dtype } } });
const op = (name: string, o: string, input: string[], attr: Record<string, unknown> = { T: F }) => ({ name, op: o, input, attr });
const matmul = (name: string, a: string, b: string) => op(name, 'MatMul', [a, b], { transpose_a: { b: false }, transpose_b: { b: false }, T: F });
const biasAdd = (name: string, a: string, b: string) => op(name, 'BiasAdd', [a, b], { T: F, data_format: { s: b64('NHWC') } });

type GraphKind = 'mlp' | 'conv' | 'async' | 'einsum';

function graphModel(kind: GraphKind): { nodes: object[]; weights: WeightEntry[]; inputShape: number[] } {
  const w = (name: string, shape: number[], seed: number): WeightEntry => ({ name, shape, dtype: 'float32', values: seeded(shape.reduce((a, b) => a * b, 1), seed) });
  if (kind === 'conv') {
    const weights = [w('conv/k', [3, 3, 1, 4], 11), w('conv/b', [4], 12), { name: 'mean/axes', shape: [2], dtype: 'int32' as const, values: Int32Array.from([1, 2]) }, w('dense/w', [4, 3], 13), w('dense/b', [3], 14)];
    const nodes = [
      placeholder('image', [-1, 8, 8, 1]), constNode('conv/k', [3, 3, 1, 4]), constNode('conv/b', [4]), constNode('mean/axes', [2], 'DT_INT32'), constNode('dense/w', [4, 3]), constNode('dense/b', [3]),
      op('conv/Conv2D', 'Conv2D', ['image', 'conv/k'], { T: F, strides: { list: { i: ['1', '1', '1', '1'] } }, padding: { s: b64('SAME') }, data_format: { s: b64('NHWC') }, dilations: { list: { i: ['1', '1', '1', '1'] } } }),
      biasAdd('conv/BiasAdd', 'conv/Conv2D', 'conv/b'), op('conv/Relu', 'Relu', ['conv/BiasAdd']),
      op('mean', 'Mean', ['conv/Relu', 'mean/axes'], { T: F, Tidx: { type: 'DT_INT32' }, keep_dims: { b: false } }),
      matmul('dense/MatMul', 'mean', 'dense/w'), biasAdd('dense/BiasAdd', 'dense/MatMul', 'dense/b'), op('probs', 'Softmax', ['dense/BiasAdd']),
    ];
    return { nodes, weights, inputShape: [-1, 8, 8, 1] };
  }
  const weights = [w('l1/w', [4, 16], 21), w('l1/b', [16], 22), w('l2/w', [16, 3], 23), w('l2/b', [3], 24)];
  const nodes: object[] = [placeholder('x', [-1, 4]), constNode('l1/w', [4, 16]), constNode('l1/b', [16]), constNode('l2/w', [16, 3]), constNode('l2/b', [3])];
  // Einsum has no kernel in the tfjs wasm backend (4.22): a real "missing kernel" on one backend.
  nodes.push(kind === 'einsum'
    ? op('l1/MatMul', 'Einsum', ['x', 'l1/w'], { T: F, N: { i: '2' }, equation: { s: b64('ij,jk->ik') } })
    : matmul('l1/MatMul', 'x', 'l1/w'), biasAdd('l1/BiasAdd', 'l1/MatMul', 'l1/b'), op('l1/Relu', 'Relu', ['l1/BiasAdd']),
    matmul('l2/MatMul', 'l1/Relu', 'l2/w'), biasAdd('l2/BiasAdd', 'l2/MatMul', 'l2/b'), op('probs', 'Softmax', ['l2/BiasAdd']));
  if (kind === 'async') {
    // Where has a data-dependent output shape: tfjs-converter refuses execute() and needs executeAsync().
    weights.push({ name: 'zero', shape: [], dtype: 'float32', values: Float32Array.from([0]) });
    nodes.push(constNode('zero', []), op('positive', 'Greater', ['x', 'zero']), op('where', 'Where', ['positive'], { T: { type: 'DT_BOOL' } }));
  }
  return { nodes, weights, inputShape: [-1, 4] };
}

function buildGraph(dir: string, kind: GraphKind, quant: Quant, shards: number) {
  const { nodes, weights } = graphModel(kind);
  const { specs, bytes } = encodeWeights(weights, quant);
  writeModel(dir, { format: 'graph-model', generatedBy: 'inferscope test fixtures', convertedBy: null, modelTopology: { node: nodes, library: {}, versions: {} } }, specs, bytes, shards);
}

// ---- layers models (tfjs-layers save format) ----
async function buildLayers(dir: string, quant: Quant, shards: number) {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  const tfl = await import('@tensorflow/tfjs-layers');
  await tf.setBackend('cpu');
  const model = tfl.sequential({ layers: [
    tfl.layers.dense({ units: 16, inputShape: [4], activation: 'relu', name: 'hidden' }),
    tfl.layers.dense({ units: 3, activation: 'softmax', name: 'probs' }),
  ] });
  model.setWeights(model.getWeights().map((t, i) => tf.tensor(seeded(t.size, 31 + i), t.shape)));
  let topology: unknown;
  let entries: WeightEntry[] = [];
  await model.save(tf.io.withSaveHandler(async (a) => {
    topology = a.modelTopology;
    const buf = a.weightData as ArrayBuffer;
    let at = 0;
    entries = a.weightSpecs!.map((s) => {
      const n = s.shape.reduce((x, y) => x * y, 1);
      const values = new Float32Array(buf.slice(at, at + n * 4)); at += n * 4;
      return { name: s.name, shape: s.shape, dtype: 'float32', values };
    });
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  model.dispose();
  const { specs, bytes } = encodeWeights(entries, quant);
  writeModel(dir, { format: 'layers-model', generatedBy: 'TensorFlow.js tfjs-layers', convertedBy: null, modelTopology: topology }, specs, bytes, shards);
}

export const FIXTURES: FixtureInfo[] = [
  ...(['float32', 'uint8', 'uint16', 'float16'] as Quant[]).flatMap((quant): FixtureInfo[] => [
    { name: `layers-${quant}`, format: 'layers-model', quant, shards: quant === 'float32' ? 3 : 2, async: false, inputShape: [-1, 4] },
    { name: `graph-${quant}`, format: 'graph-model', quant, shards: quant === 'float32' ? 3 : 2, async: false, inputShape: [-1, 4] },
  ]),
  { name: 'graph-conv', format: 'graph-model', quant: 'float32', shards: 2, async: false, inputShape: [-1, 8, 8, 1] },
  { name: 'graph-async', format: 'graph-model', quant: 'float32', shards: 1, async: true, inputShape: [-1, 4] },
  { name: 'graph-einsum', format: 'graph-model', quant: 'float32', shards: 1, async: false, inputShape: [-1, 4] },
];

/** Build every fixture once into FIXTURES_DIR (atomic rename, safe across parallel test files). */
export async function ensureFixtures(): Promise<string> {
  const stamp = join(FIXTURES_DIR, 'STAMP');
  const current = () => existsSync(stamp) && readFileSync(stamp, 'utf8') === STAMP;
  if (current()) return FIXTURES_DIR;
  const tmp = `${FIXTURES_DIR}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  for (const f of FIXTURES) {
    const dir = join(tmp, f.name);
    if (f.format === 'layers-model') await buildLayers(dir, f.quant, f.shards);
    else buildGraph(dir, f.name === 'graph-conv' ? 'conv' : f.name === 'graph-async' ? 'async' : f.name === 'graph-einsum' ? 'einsum' : 'mlp', f.quant, f.shards);
  }
  writeFileSync(join(tmp, 'STAMP'), STAMP);
  mkdirSync(dirname(FIXTURES_DIR), { recursive: true });
  // First try to install without removing anything: on a fresh clone two test files build at
  // once, and removing first let the later one delete the set the earlier had just installed
  // while its tests read it. rename() fails when the folder exists (then another file won, or it
  // is an old set: only that is replaced).
  try { renameSync(tmp, FIXTURES_DIR); return FIXTURES_DIR; } catch { /* exists */ }
  if (current()) { rmSync(tmp, { recursive: true, force: true }); return FIXTURES_DIR; }
  rmSync(FIXTURES_DIR, { recursive: true, force: true });
  try { renameSync(tmp, FIXTURES_DIR); } catch { rmSync(tmp, { recursive: true, force: true }); }
  return FIXTURES_DIR;
}

/**
 * A wider MLP for benchmarks (256 → 512 → 512 → 10, float32, 4 shards): big enough that a
 * predict takes milliseconds, so per-call overhead is measured against real work.
 */
export async function ensureBenchModel(): Promise<string> {
  const dir = join(FIXTURES_DIR, '..', 'fixtures-bench', 'graph-wide');
  if (existsSync(join(dir, 'model.json'))) return dir;
  const w = (name: string, shape: number[], seed: number): WeightEntry => ({ name, shape, dtype: 'float32', values: seeded(shape.reduce((a, b) => a * b, 1), seed).map((v) => v / Math.sqrt(shape[0] ?? 1)) });
  const weights = [w('l1/w', [256, 512], 41), w('l1/b', [512], 42), w('l2/w', [512, 512], 43), w('l2/b', [512], 44), w('l3/w', [512, 10], 45), w('l3/b', [10], 46)];
  const nodes: object[] = [placeholder('x', [-1, 256]), ...weights.map((x) => constNode(x.name, x.shape))];
  let prev = 'x';
  for (const l of ['l1', 'l2', 'l3']) {
    nodes.push(matmul(`${l}/MatMul`, prev, `${l}/w`), biasAdd(`${l}/BiasAdd`, `${l}/MatMul`, `${l}/b`));
    prev = `${l}/BiasAdd`;
    if (l !== 'l3') { nodes.push(op(`${l}/Relu`, 'Relu', [prev])); prev = `${l}/Relu`; }
  }
  nodes.push(op('probs', 'Softmax', [prev]));
  const { specs, bytes } = encodeWeights(weights, 'float32');
  const tmp = `${dir}.tmp-${process.pid}`;
  writeModel(tmp, { format: 'graph-model', generatedBy: 'inferscope bench fixture', convertedBy: null, modelTopology: { node: nodes, library: {}, versions: {} } }, specs, bytes, 4);
  try { renameSync(tmp, dir); } catch { rmSync(tmp, { recursive: true, force: true }); }
  return dir;
}
