// Node tier (#17.7): inputs that cannot be right. NaN/±Infinity anywhere in an input (every input
// form, generated positions) answer INPUT_INVALID naming the input and the first bad element;
// tabular values outside the training range answer with `warnings`; load() called wrongly says how
// to call it. Every case runs in both modes (describe.each(MODES): worker mode through the SDK's
// real worker side on a MessagePort) and must give the same codes and messages.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createClient, isInferScopeError, type Client, type Model } from '../../src/index.js';
import { MODES } from '../support/channel-worker.js';
import { ensureFixtures } from '../support/fixtures.js';
import { serveStatic, type StaticServer } from '../support/fixtures-server.js';

let server: StaticServer;
beforeAll(async () => { await ensureFixtures(); server = await serveStatic(); });
afterAll(async () => { await server.close(); });

describe.each(MODES)('%s mode', (_, extra) => {
let client: Client;
let mlp: Model;
let penguins: Model;
beforeAll(async () => {
  client = createClient({ backends: ['cpu'], idbFactory: false, cache: false, manifestUrl: `${server.url}/models/manifest.json`, ...extra() });
  mlp = await client.load({ url: `${server.url}/.tmp/fixtures/graph-float32/model.json` });
  penguins = await client.load('penguins');
});
afterAll(async () => { await client.dispose(); });

const BAD = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
// A batch of 1..4 rows of 4 finite values with one NaN/±Infinity at a generated position.
const poisoned = fc.record({
  rows: fc.integer({ min: 1, max: 4 }),
  values: fc.array(fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), { minLength: 16, maxLength: 16 }),
  at: fc.nat(),
  bad: fc.constantFrom(...BAD),
  form: fc.constantFrom('nested', 'float32', 'float64', 'tensor'),
}).map(({ rows, values, at, bad, form }) => {
  const flat = values.slice(0, rows * 4);
  const i = at % flat.length;
  flat[i] = bad;
  return { flat, i, rows, form };
});

describe('NaN and Infinity', () => {
  test('every input form, any position: INPUT_INVALID names the input, the element and the value', async () => {
    await fc.assert(fc.asyncProperty(poisoned, async ({ flat, i, rows, form }) => {
      const tensor = form === 'tensor' ? tf.tensor2d(flat, [rows, 4]) : null;
      const input = tensor ?? (form === 'float32' ? Float32Array.from(flat) : form === 'float64' ? Float64Array.from(flat) : Array.from({ length: rows }, (_, r) => flat.slice(r * 4, r * 4 + 4)));
      const err = await mlp.predict(input).then(() => null, (e) => e);
      tensor?.dispose();
      expect(isInferScopeError(err, 'INPUT_INVALID')).toBe(true);
      expect(err.message).toContain(`input 'x': element ${i} is ${flat[i]}`);
      expect(err.message).toContain('allowNonFinite');
    }), { numRuns: 80 });
  });

  test('finite inputs still answer, and nothing leaks on either path', async () => {
    await mlp.predict([[1, 2, 3, 4]]);
    const before = tf.memory().numTensors;
    for (let k = 0; k < 20; k++) {
      const t = tf.tensor2d([[1, 2, k % 2 ? Number.NaN : 3, 4]]);
      await mlp.predict(t).catch(() => undefined);
      t.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  test('{ allowNonFinite: true } lets a model that expects them run', async () => {
    const c = createClient({ backends: ['cpu'], idbFactory: false, cache: false, ...extra() });
    const m = await c.load({ url: `${server.url}/.tmp/fixtures/graph-float32/model.json`, allowNonFinite: true });
    const r = await m.predict([[Number.NaN, 1, 2, 3]]);
    expect(r.shape).toEqual([1, 3]);
    expect(Number.isNaN(r.data[0]!)).toBe(true);
    await c.dispose();
  });
});

describe('tabular values outside the training range', () => {
  // penguins@stable's baseline edges: the training minimum and maximum of each feature.
  const RANGE: Record<string, [number, number]> = {
    beak_length_mm: [33.1, 59.6], beak_depth_mm: [13.1, 21.2], flipper_length_mm: [174, 231], body_mass_kg: [2.7, 6.05],
  };
  const NAMES = Object.keys(RANGE);
  const inRow = fc.tuple(...NAMES.map((n) => fc.double({ min: RANGE[n]![0], max: RANGE[n]![1], noNaN: true })));

  test('values inside the range answer without warnings', async () => {
    await fc.assert(fc.asyncProperty(inRow, async (row) => {
      const r = await penguins.predict([row]);
      expect(r.warnings).toBeUndefined();
    }), { numRuns: 30 });
  });

  test('a value outside answers anyway, with a warning naming the feature, the value and the range', async () => {
    const outside = fc.tuple(inRow, fc.nat(3), fc.boolean(), fc.double({ min: 1e-3, max: 1e12, noNaN: true }));
    await fc.assert(fc.asyncProperty(outside, async ([inside, j, above, by]) => {
      const [lo, hi] = RANGE[NAMES[j]!]!;
      const row = inside.slice(); // generated values are reused while shrinking: never mutate them
      row[j] = above ? hi + by : lo - by;
      const r = await penguins.predict(Float32Array.from(row));
      expect(r.top).toHaveLength(3);
      expect(r.warnings).toHaveLength(1);
      expect(r.warnings![0]).toMatch(new RegExp(`^${NAMES[j]} = \\S+ is outside the training range ${lo}\\.\\.${hi}$`));
    }), { numRuns: 40 });
    const r = await penguins.predict([[1e9, 17, 200, 4]]);
    expect(r.warnings).toEqual(['beak_length_mm = 1e9 is outside the training range 33.1..59.6']);
  });
});

describe('client.load() called wrongly', () => {
  test('no argument, null, numbers and other non-targets: InferScopeError showing both call forms', async () => {
    const c = createClient({ backends: ['cpu'], idbFactory: false, cache: false, ...extra() });
    const direct = createClient({ backends: ['cpu'], idbFactory: false, cache: false });
    const bad = fc.oneof(fc.constant(undefined), fc.constant(null), fc.constant(''), fc.double(), fc.integer(), fc.boolean(), fc.constant({}), fc.record({ url: fc.oneof(fc.integer(), fc.constant(''), fc.constant(null)) }), fc.array(fc.string()));
    await fc.assert(fc.asyncProperty(bad, async (target) => {
      const err = await (c.load as (t: unknown) => Promise<Model>)(target).then(() => null, (e) => e);
      expect(isInferScopeError(err)).toBe(true);
      expect(err.message).toContain("client.load('model-id'");
      expect(err.message).toContain("client.load({ url: '");
      const said = await (direct.load as (t: unknown) => Promise<Model>)(target).then(() => null, (e) => e);
      expect(err.message).toBe(said.message); // the same words in both modes
    }), { numRuns: 60 });
    await c.dispose();
    await direct.dispose();
  });
});
});
