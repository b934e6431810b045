// Node tier (#17.5): what third-party converter models do that the SDK's own models don't. Small
// graph models are written here as GraphDef JSON (the format tensorflowjs_converter emits) and
// served from memory: a scalar control input that must be non-zero (the warm-up must not feed it
// 0 and then blame the backend), one whose control input the warm-up cannot guess, recurrent state
// of unknown rank fed back between frames, and a signature that names the outputs. Both modes
// (describe.each(MODES): worker mode through the SDK's worker side on a MessagePort).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createClient } from '../../src/index.js';
import { MODES } from '../support/channel-worker.js';
import { REPO_ROOT, serveStatic, type StaticServer } from '../support/fixtures-server.js';
import { encodeWeights, seeded } from '../support/fixtures.js';

const WASM_DIR = join(REPO_ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist/');
const b64 = (s: string) => Buffer.from(s).toString('base64');
const F = { type: 'DT_FLOAT' };
const I = { type: 'DT_INT32' };
const dims = (shape: number[]) => ({ dim: shape.map((d) => ({ size: String(d) })) });
const placeholder = (name: string, shape: number[] | 'unknown') => ({ name, op: 'Placeholder', attr: { dtype: F, shape: { shape: shape === 'unknown' ? { unknownRank: true } : dims(shape) } } });
const constNode = (name: string, shape: number[], dtype = 'DT_FLOAT') => ({ name, op: 'Const', attr: { value: { tensor: { dtype, tensorShape: dims(shape) } }, dtype: { type: dtype } } });
const op = (name: string, o: string, input: string[], attr: Record<string, unknown> = { T: F }) => ({ name, op: o, input, attr });

const files = new Map<string, Uint8Array | string>();
function publish(name: string, nodes: object[], weights: Parameters<typeof encodeWeights>[0], signature?: object) {
  const { specs, bytes } = encodeWeights(weights, 'float32');
  files.set(`/mem/${name}/model.json`, JSON.stringify({
    format: 'graph-model', generatedBy: '2.x', convertedBy: 'test', modelTopology: { node: nodes, library: {}, versions: {} },
    ...(signature ? { signature } : {}), weightsManifest: [{ paths: ['w.bin'], weights: specs }],
  }));
  files.set(`/mem/${name}/w.bin`, bytes);
}

// probs = softmax(reshape(x, [-1, k * mul]) · w): with mul = 4 any k != 0 works for k = 1 (0 makes
// the reshape impossible, on every backend); with mul = 1 only k = 4 works.
function controlModel(name: string, mul: number) {
  publish(name, [
    placeholder('x', [-1, 4]), placeholder('k', []), constNode('mul', []), constNode('minus1', [], 'DT_INT32'), constNode('w', [4, 3]),
    op('kmul', 'Mul', ['k', 'mul']), op('ki', 'Cast', ['kmul'], { SrcT: F, DstT: I }),
    op('shape', 'Pack', ['minus1', 'ki'], { T: I, N: { i: '2' }, axis: { i: '0' } }),
    op('r', 'Reshape', ['x', 'shape'], { T: F, Tshape: I }),
    op('mm', 'MatMul', ['r', 'w'], { T: F, transpose_a: { b: false }, transpose_b: { b: false } }), op('probs', 'Softmax', ['mm']),
  ], [
    { name: 'mul', shape: [], dtype: 'float32', values: Float32Array.of(mul) }, { name: 'minus1', shape: [], dtype: 'int32', values: Int32Array.of(-1) },
    { name: 'w', shape: [4, 3], dtype: 'float32', values: seeded(12, 5) },
  ]);
}

beforeAll(async () => {
  controlModel('control', 4);
  controlModel('control-exact', 1);
  // y = x + state; the state (unknown rank: a scalar 0 at first, then [1, 4]) is fed back.
  publish('recurrent', [
    placeholder('x', [-1, 4]), placeholder('state', 'unknown'),
    op('y', 'AddV2', ['x', 'state']), op('Identity', 'Identity', ['y']), op('Identity_1', 'Softmax', ['y']),
  ], [], {
    inputs: { x: { name: 'x:0', dtype: 'DT_FLOAT' }, state: { name: 'state:0', dtype: 'DT_FLOAT', tensorShape: { unknownRank: true } } },
    outputs: { state_out: { name: 'Identity:0', dtype: 'DT_FLOAT' }, probs: { name: 'Identity_1:0', dtype: 'DT_FLOAT' } },
  });
  server = await serveStatic({ override: (p) => { const f = files.get(p); return f === undefined ? undefined : { body: f, type: 'application/octet-stream' }; } });
});
let server: StaticServer;
afterAll(() => server.close());
const url = (name: string) => `${server.url}/mem/${name}/model.json`;
const X = [[0.5, -1, 2, 0.25]];

describe.each(MODES)('%s mode', (_, extra) => {
  test('a scalar control input that must be non-zero: the warm-up feeds 1, wasm is kept (not demoted to cpu)', async () => {
    const c = createClient({ backends: ['wasm', 'cpu'], assetsUrl: WASM_DIR, idbFactory: false, cache: false, ...extra() });
    const m = await c.load({ url: url('control') });
    expect(m.fallbacks).toEqual([]);
    expect(m.backend).toBe('wasm');
    const r = await m.predict({ x: X, k: 1 });
    expect(r.shape).toEqual([1, 3]);
    // Same answer as raw tfjs on cpu.
    await tf.setBackend('cpu');
    const ref = tf.tidy(() => tf.softmax(tf.matMul(tf.tensor2d(X), tf.tensor2d(seeded(12, 5), [4, 3]))).dataSync());
    expect(Array.from(r.data)).toEqual(Array.from(ref).map((v) => expect.closeTo(v, 5)));
    await c.dispose();
  });

  test('a control input the warm-up cannot guess: wasm passed its self-test, so it stays, with the reason noted', async () => {
    const c = createClient({ backends: ['wasm', 'cpu'], assetsUrl: WASM_DIR, idbFactory: false, cache: false, ...extra() });
    const m = await c.load({ url: url('control-exact') });
    expect(m.backend).toBe('wasm');
    expect(m.fallbacks).toEqual([{ backend: 'wasm', reason: expect.stringMatching(/^warm-up with generated inputs failed .*; kept wasm/) }]);
    const r = await m.predict({ x: X, k: 4 });
    expect(r.shape).toEqual([1, 3]);
    expect(m.backend).toBe('wasm');
    await c.dispose();
  });

  test('unknown-rank inputs take any shape: recurrent state fed back frame after frame', async () => {
    const c = createClient({ backends: ['wasm', 'cpu'], assetsUrl: WASM_DIR, idbFactory: false, cache: false, ...extra() });
    const m = await c.load({ url: url('recurrent') });
    expect(m.backend).toBe('wasm');
    let state: number | number[][] = 0;
    for (let frame = 1; frame <= 3; frame++) {
      const r = await m.predict({ x: X, state });
      const out = r.outputs!.find((o) => o.name === 'state_out')!;
      expect(out.shape).toEqual([1, 4]);
      expect(Array.from(out.data)).toEqual(X[0]!.map((v) => expect.closeTo(v * frame, 5)));
      state = [Array.from(out.data)];
    }
    await c.dispose();
  });

  test('multi-output graph models answer with the signature keys; the node name stays reachable', async () => {
    const c = createClient({ backends: ['cpu'], idbFactory: false, cache: false, ...extra() });
    const m = await c.load({ url: url('recurrent') });
    const r = await m.predict({ x: X, state: 0 });
    expect(r.outputs!.map((o) => [o.name, o.node])).toEqual([['state_out', 'Identity'], ['probs', 'Identity_1']]);
    expect(r.data).toBe(r.outputs![0]!.data);
    // A graph without a signature keeps its node names, with no `node` field.
    const plain = await c.load({ url: url('control') });
    expect((await plain.predict({ x: X, k: 1 })).outputs).toBeUndefined();
    await c.dispose();
  });
});
