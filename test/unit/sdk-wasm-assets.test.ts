// Node tier, own process (tfjs initializes the wasm backend once per process): self-hosted WASM
// files are verified by their magic bytes before tfjs gets them.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createClient, isInferScopeError } from '../../src/index.js';
import { ensureFixtures } from '../support/fixtures.js';
import { serveStatic, type StaticServer } from '../support/fixtures-server.js';

let server: StaticServer;
const HTML = '<!doctype html><html><head><title>My SPA</title></head><body><div id="app"></div></body></html>';
beforeAll(async () => {
  await ensureFixtures();
  // A typical SPA misconfiguration: every unknown path answers the app's index.html with 200.
  server = await serveStatic({ override: (p) => (p.startsWith('/spa/') ? { body: HTML, type: 'text/html' } : undefined) });
});
afterAll(() => server.close());
const model = () => `${server.url}/.tmp/fixtures/graph-float32/model.json`;

test('an HTML page served where a .wasm file should be fails with ASSET_INVALID naming the URL and what came back', async () => {
  const c = createClient({ backends: ['wasm'], assetsUrl: `${server.url}/spa/`, idbFactory: false });
  const err = await c.load({ url: model() }).catch((e) => e);
  expect(isInferScopeError(err, 'ASSET_INVALID')).toBe(true);
  expect(err.message).toContain(`${server.url}/spa/tfjs-backend-wasm-simd.wasm`);
  expect(err.message).toContain('an HTML page');
  expect(err.message).toContain('<!doctype html>');
  await c.dispose();
});

test('a 404 for the .wasm file is ASSET_INVALID too', async () => {
  const c = createClient({ backends: ['wasm', 'cpu'], assetsUrl: `${server.url}/missing/`, idbFactory: false });
  const err = await c.load({ url: model() }).then((m) => ({ code: 'resolved', message: `${m.backend} ${JSON.stringify(m.fallbacks)}` }), (e) => e);
  expect(err).toMatchObject({ code: 'ASSET_INVALID', message: expect.stringContaining('HTTP 404') });
  await c.dispose();
});

test('real WASM files under assetsUrl (http) are verified, fetched once, and run the model', async () => {
  const c = createClient({ backends: ['wasm'], assetsUrl: `${server.url}/node_modules/@tensorflow/tfjs-backend-wasm/dist`, idbFactory: false });
  const m = await c.load({ url: model() });
  expect(m.backend).toBe('wasm');
  expect(server.requests.filter((p) => p.startsWith('/node_modules/') && p.endsWith('.wasm'))).toHaveLength(1);
  expect((await m.predict([[1, 2, 3, 4]])).shape).toEqual([1, 3]);
  await c.dispose();
});
