// Node tier, both modes (direct and worker): inputs an attacker or a confused new user passes.
// Every generated bad input answers an InferScopeError (INPUT_INVALID / INPUT_SHAPE) that names
// what is wrong, and leaves the model as it was: same backend, no fallback, the same answer to
// the next good input, no tensor left behind. (Before the shared validator in src/sdk/inputs.ts,
// a disposed tensor, a BigInt64Array or an empty array got past it, tfjs threw inside the run, the
// SDK took that for a broken backend and disposed the model: every later predict failed.)
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createClient, isInferScopeError, type Client, type Model } from '../../src/index.js';
import { exclusive } from '../../src/sdk/engine-gate.js';
import { MODES } from '../support/channel-worker.js';
import { ensureFixtures } from '../support/fixtures.js';
import { serveStatic, type StaticServer } from '../support/fixtures-server.js';

let server: StaticServer;
beforeAll(async () => { await ensureFixtures(); server = await serveStatic(); });
afterAll(async () => { await server?.close(); });

const GOOD = [[0.1, 0.2, 0.3, 0.4]];
const NOT_NUMBERS = ['1', null, undefined, true, {}, [1], () => 1, Symbol('x'), 1n];
const throwing = (v: unknown[], at: number) => Object.defineProperty(v.slice(), at, { get() { throw new Error('getter says no'); } });

/** [what, input, expected code, text the message must hold] for the [-1,4] float32 model. */
const badRows = fc.oneof(
  fc.record({ rows: fc.integer({ min: 1, max: 3 }), at: fc.nat(11), bad: fc.constantFrom(...NOT_NUMBERS) }).map(({ rows, at, bad }) => {
    const v: unknown[][] = Array.from({ length: rows }, () => [1, 2, 3, 4]);
    v[Math.floor(at / 4) % rows]![at % 4] = bad;
    return ['non-number in a nested array', v, Array.isArray(bad) ? 'INPUT_SHAPE' : 'INPUT_INVALID', "input '"] as const;
  }),
  fc.record({ rows: fc.integer({ min: 1, max: 3 }), at: fc.nat(3) }).map(({ rows, at }) =>
    ['a getter that throws', Array.from({ length: rows }, (_, r) => (r === rows - 1 ? throwing([1, 2, 3, 4], at) : [1, 2, 3, 4])), 'INPUT_INVALID', 'getter says no'] as const),
  fc.record({ rows: fc.integer({ min: 1, max: 3 }), at: fc.nat(), big: fc.double({ min: 3.5e38, max: 1e308, noNaN: true }), neg: fc.boolean() }).map(({ rows, at, big, neg }) => {
    const v = new Float64Array(rows * 4).fill(0.5);
    v[at % v.length] = neg ? -big : big;
    return ['a float64 value beyond float32', v, 'INPUT_INVALID', `element ${at % v.length} is`] as const;
  }),
  fc.record({ n: fc.integer({ min: 0, max: 3 }), signed: fc.boolean() }).map(({ n, signed }) =>
    ['a BigInt typed array', signed ? new BigInt64Array(n * 4) : new BigUint64Array(n * 4), 'INPUT_INVALID', 'BigInt'] as const),
  fc.constantFrom<readonly [string, unknown, string, string]>(
    ['an empty nested array', [], 'INPUT_SHAPE', 'empty'],
    ['an empty row', [[]], 'INPUT_SHAPE', 'empty'],
    ['an empty Float32Array', new Float32Array(0), 'INPUT_SHAPE', 'empty'],
    ['an empty Uint8Array', new Uint8Array(0), 'INPUT_SHAPE', 'empty'],
    ['a proxy that throws', new Proxy([], { get() { throw new Error('proxy says no'); } }), 'INPUT_INVALID', 'proxy says no'],
    ['an object that is not an input', { data: [1, 2, 3, 4] }, 'INPUT_INVALID', 'unsupported value'],
  ),
);

describe.each(MODES)('%s mode', (mode, extra) => {
  let client: Client;
  let mlp: Model;
  let digits: Model;
  let want: Float32Array;
  beforeAll(async () => {
    client = createClient({ backends: ['cpu'], idbFactory: false, cache: false, manifestUrl: `${server.url}/models/manifest.json`, ...extra() });
    mlp = await client.load({ url: `${server.url}/.tmp/fixtures/graph-float32/model.json` });
    digits = await client.load('digits');
    want = (await mlp.predict(GOOD)).data;
  });
  afterAll(async () => { await client?.dispose(); });

  /** The model still answers as before, where it was, and nothing leaked. */
  async function unharmed(before: number) {
    expect((await mlp.predict(GOOD)).data).toEqual(want);
    expect(mlp.backend).toBe('cpu');
    expect(mlp.fallbacks).toEqual([]);
    expect(tf.memory().numTensors).toBe(before);
  }

  test('bad arrays, values and objects: a clear error, and the model keeps working', async () => {
    await fc.assert(fc.asyncProperty(badRows, async ([, input, code, text]) => {
      const before = tf.memory().numTensors;
      const err = await mlp.predict(input as never).then(() => null, (e) => e);
      expect(isInferScopeError(err, code as never), `${err?.code}: ${err?.message}`).toBe(true);
      // worker mode: what postMessage cannot clone (a Symbol, a function) is refused on the page
      if (!(mode === 'worker' && err.message.includes('cannot be sent to the worker'))) expect(err.message).toContain(text);
      await unharmed(before);
    }), { numRuns: 60 });
  });

  test('a tensor disposed before or while predict() waits: INPUT_INVALID, the model keeps working', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.boolean(), async (rows, queued) => {
      const before = tf.memory().numTensors;
      const t = tf.ones([rows, 4]);
      let p: Promise<unknown>;
      if (queued) { // disposed after predict() was called (tf.tidy around it) while the engine is busy
        let open!: () => void;
        const busy = exclusive(() => new Promise<void>((r) => { open = r; }));
        p = mlp.predict(t);
        t.dispose();
        await new Promise((r) => setTimeout(r, 5));
        open();
        await busy;
      } else { t.dispose(); p = mlp.predict(t); }
      const err = await p.then(() => null, (e) => e);
      if (mode === 'worker' && queued) {
        // worker mode copies the tensor on the page when predict() is called: it has crossed, and answers
        expect(err).toBeNull();
      } else {
        expect(isInferScopeError(err, 'INPUT_INVALID'), `${err?.code}: ${err?.message}`).toBe(true);
        expect(err.message).toContain('disposed');
      }
      await unharmed(before);
    }), { numRuns: 12 });
  });

  test('typed arrays of every numeric dtype answer like the Float32Array', async () => {
    const kinds = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array];
    await fc.assert(fc.asyncProperty(fc.constantFrom(...kinds), fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 4, maxLength: 4 }), async (Kind, row) => {
      const r = await mlp.predict(Kind.from(row));
      expect(r.data).toEqual((await mlp.predict(Float32Array.from(row))).data);
    }), { numRuns: 20 });
  });

  test('images of no size or with the wrong number of bytes: INPUT_INVALID, the digits model keeps working', async () => {
    // a fresh buffer each time: worker mode moves (detaches) it
    const good = () => ({ data: new Uint8ClampedArray(28 * 28 * 4).fill(255), width: 28, height: 28 });
    const answer = (await digits.predict(good())).data;
    const dims = fc.oneof(fc.constantFrom(0, -1, 0.5, Number.NaN, Number.POSITIVE_INFINITY), fc.integer({ min: 1, max: 40 }));
    await fc.assert(fc.asyncProperty(dims, dims, fc.integer({ min: -8, max: 8 }), async (width, height, off) => {
      const sound = Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0;
      fc.pre(!sound || off !== 0);
      const n = Math.max(0, (sound ? width * height * 4 : 16) + off);
      const before = tf.memory().numTensors;
      const err = await digits.predict({ data: new Uint8ClampedArray(n), width, height }).then(() => null, (e) => e);
      expect(isInferScopeError(err, 'INPUT_INVALID'), `${err?.code}: ${err?.message}`).toBe(true);
      expect(err.message).toMatch(sound ? /holds \d+ bytes but \d+ x \d+ RGBA needs \d+/ : /pass a loaded image/);
      expect((await digits.predict(good())).data).toEqual(answer);
      expect(digits.fallbacks).toEqual([]);
      expect(tf.memory().numTensors).toBe(before);
    }), { numRuns: 30 });
  });
});
