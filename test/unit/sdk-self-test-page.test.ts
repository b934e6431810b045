// Node tier: the backend self-test runs once per page per backend and is shared by clients, but a
// shared pass never hides a backend that computes wrong numbers for a later client.
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createClient } from '../../src/index.js';
import { ensureFixtures } from '../support/fixtures.js';
import { serveStatic, type StaticServer } from '../support/fixtures-server.js';
import { join } from 'node:path';

// wasm, not cpu: the cpu backend is the JS reference itself and is not self-tested.
const WASM_DIR = join(import.meta.dirname, '../../node_modules/@tensorflow/tfjs-backend-wasm/dist/');
const opts = { backends: ['wasm' as const], assetsUrl: WASM_DIR, idbFactory: false as const, cache: false as const };

const X = [[0.5, -1, 2, 0.25]];
let server: StaticServer;
const url = (name: string) => `${server.url}/.tmp/fixtures/${name}/model.json`;

beforeAll(async () => { await ensureFixtures(); server = await serveStatic(); });
afterAll(() => server.close());

test('a self-test verdict shared across clients still refuses a backend that computes wrong numbers', async () => {
  const a = createClient(opts);
  const first = await (await a.load({ url: url('graph-float32') })).predict(X);
  // Same page, same wasm backend instance: this client's backend answers wrong (test hook).
  const bad = createClient({ ...opts, testHooks: { corruptSelfTest: ['wasm'] } });
  const err = await bad.load({ url: url('graph-float32') }).catch((e) => e);
  expect(err.code).toBe('BACKEND_UNAVAILABLE');
  expect(err.message).toMatch(/wasm: self-test matmul .* wrong/);
  // The failure did not poison the page's verdict: a normal client still loads and agrees.
  const c = createClient(opts);
  const again = await (await c.load({ url: url('graph-float32') })).predict(X);
  expect(Array.from(again.data)).toEqual(Array.from(first.data));
  await Promise.all([a.dispose(), bad.dispose(), c.dispose()]);
});
