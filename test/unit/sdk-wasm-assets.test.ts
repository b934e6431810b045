// Node tier, own process (tfjs initializes the wasm backend once per process): self-hosted WASM
// files are verified by their magic bytes before tfjs gets them.
import fc from 'fast-check';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createClient, isInferScopeError } from '../../src/index.js';
import { ensureFixtures } from '../support/fixtures.js';
import { serveStatic, type StaticServer } from '../support/fixtures-server.js';

let server: StaticServer;
let bad: { status: number; body: string | Uint8Array } = { status: 404, body: '' };
const HTML = '<!doctype html><html><head><title>My SPA</title></head><body><div id="app"></div></body></html>';
beforeAll(async () => {
  await ensureFixtures();
  // A typical SPA misconfiguration: every unknown path answers the app's index.html with 200.
  server = await serveStatic({ override: (p) => (p.startsWith('/spa/') ? { body: HTML, type: 'text/html' } : p.startsWith('/bad/') ? { ...bad, type: 'application/wasm' } : undefined) });
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

test('a bad assetsUrl with more backends after wasm: wasm is skipped with the ASSET_INVALID reason and loading goes on (#17.7)', async () => {
  // Whatever a misconfigured server answers instead of WebAssembly: error statuses, HTML, any bytes.
  const answer = fc.record({
    status: fc.constantFrom(200, 403, 404, 500),
    body: fc.oneof(fc.constant(HTML), fc.uint8Array({ maxLength: 64 }).filter((b) => !(b[0] === 0 && b[1] === 0x61 && b[2] === 0x73 && b[3] === 0x6d))),
  }).filter((a) => a.status !== 200 || typeof a.body !== 'string' || a.body.length > 0);
  await fc.assert(fc.asyncProperty(answer, async (a) => {
    bad = a;
    const c = createClient({ backends: ['wasm', 'cpu'], assetsUrl: `${server.url}/bad/`, idbFactory: false, cache: false });
    const m = await c.load({ url: model() });
    expect(m.backend).toBe('cpu');
    expect(m.fallbacks).toEqual([{ backend: 'wasm', reason: expect.stringMatching(/^ASSET_INVALID: .*\/bad\/tfjs-backend-wasm(-simd)?\.wasm/) }]);
    expect((await m.predict([[1, 2, 3, 4]])).shape).toEqual([1, 3]);
    await c.dispose();
  }), { numRuns: 12 });
});

test('real WASM files under assetsUrl (http) are verified, fetched once, and run the model', async () => {
  const c = createClient({ backends: ['wasm'], assetsUrl: `${server.url}/node_modules/@tensorflow/tfjs-backend-wasm/dist`, idbFactory: false });
  const m = await c.load({ url: model() });
  expect(m.backend).toBe('wasm');
  expect(server.requests.filter((p) => p.startsWith('/node_modules/') && p.endsWith('.wasm'))).toHaveLength(1);
  expect((await m.predict([[1, 2, 3, 4]])).shape).toEqual([1, 3]);
  await c.dispose();
});
