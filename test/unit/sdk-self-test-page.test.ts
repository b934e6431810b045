// Node tier: the backend self-test runs once per page per backend and is shared by clients, but a
// shared pass never hides a backend that computes wrong numbers for a later client.
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createClient } from '../../src/index.js';
import { ensureFixtures } from '../support/fixtures.js';
import { serveStatic, type StaticServer } from '../support/fixtures-server.js';

const X = [[0.5, -1, 2, 0.25]];
let server: StaticServer;
const url = (name: string) => `${server.url}/.tmp/fixtures/${name}/model.json`;

beforeAll(async () => { await ensureFixtures(); server = await serveStatic(); });
afterAll(() => server.close());

test('a self-test verdict shared across clients still refuses a backend that computes wrong numbers', async () => {
  const a = createClient({ backends: ['cpu'], idbFactory: false, cache: false });
  const first = await (await a.load({ url: url('graph-float32') })).predict(X);
  // Same page, same cpu backend instance: this client's backend answers wrong (test hook).
  const bad = createClient({ backends: ['cpu'], idbFactory: false, cache: false, testHooks: { corruptSelfTest: ['cpu'] } });
  const err = await bad.load({ url: url('graph-float32') }).catch((e) => e);
  expect(err.code).toBe('BACKEND_UNAVAILABLE');
  expect(err.message).toMatch(/cpu: self-test matmul .* wrong/);
  // The failure did not poison the page's verdict: a normal client still loads and agrees.
  const c = createClient({ backends: ['cpu'], idbFactory: false, cache: false });
  const again = await (await c.load({ url: url('graph-float32') })).predict(X);
  expect(Array.from(again.data)).toEqual(Array.from(first.data));
  await Promise.all([a.dispose(), bad.dispose(), c.dispose()]);
});
