// The SDK in a page built by `vite build` (minified, as an app ships it), served by a plain
// static server and driven in Debian's Chromium: threaded WASM under COOP/COEP, the same numbers
// as raw tfjs, and ASSET_INVALID when the server answers a .wasm request with its HTML page.
// The Chromium part of the predict-overhead/backend-choice benches uses the same page (bench/).
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ensureFixtures } from '../support/fixtures.js';
import { startPageHarness, type PageHarness } from '../support/fixtures-page.js';

const ASSETS = '/node_modules/@tensorflow/tfjs-backend-wasm/dist/';
const MODEL = '/.tmp/fixtures/graph-float32/model.json';
let h: PageHarness;
let server: PageHarness['server'];
const open = (q: Record<string, string>, build?: 'with-plugin' | 'plain') => h.open(q, build);

beforeAll(async () => {
  await ensureFixtures();
  h = await startPageHarness();
  server = h.server;
}, 240_000);
afterAll(async () => { await h?.close(); });

async function rawReference(): Promise<number[]> {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  const { loadGraphModel } = await import('@tensorflow/tfjs-converter');
  await tf.setBackend('cpu');
  const m = await loadGraphModel(server.url + MODEL);
  const y = m.execute(tf.tensor2d([[0.5, -1, 2, 0.25]])) as import('@tensorflow/tfjs-core').Tensor;
  const out = Array.from(await y.data());
  m.dispose();
  return out;
}

// initTimeoutMs ('timeout') is generous wherever a backend should start: a loaded CI machine can
// take seconds to compile and start WASM, and past the limit the SDK (rightly) gives up on it.
test('threaded WASM works in the minified vite-built page and matches raw tfjs', async () => {
  const { result, errors } = await open({ backends: '["wasm"]', assets: ASSETS, model: MODEL, timeout: '60000' });
  expect(errors, JSON.stringify(result)).toEqual([]);
  expect(result).toMatchObject({ backend: 'wasm', fallbacks: [], isolated: true });
  expect(result.wasm).toEqual([expect.stringMatching(/tfjs-backend-wasm-threaded-simd\.wasm$/)]);
  expect(result.threads).toBeGreaterThanOrEqual(1);
  const want = await rawReference();
  expect(result.data).toEqual(want.map((v) => expect.closeTo(v, 5)));
}, 120_000);

test('a minified build without the plugin: threaded WASM hangs, the SDK says why and runs single-threaded', async () => {
  // The threaded init hangs for the whole limit, and the single-threaded retry gets the same limit:
  // 15 s (was 3 s, which a single-threaded start on a loaded machine could miss: BACKEND_UNAVAILABLE).
  const { result, errors } = await open({ backends: '["wasm"]', assets: ASSETS, model: MODEL, timeout: '15000' }, 'plain');
  expect(errors).toContain('e is not defined'); // the trap itself, in tfjs's worker
  expect(result, JSON.stringify(result)).toMatchObject({ backend: 'wasm', fallbacks: [{ backend: 'wasm', reason: expect.stringContaining('running single-threaded') }] });
  expect(result.wasm).toEqual([expect.stringMatching(/threaded-simd\.wasm$/), expect.stringMatching(/tfjs-backend-wasm-simd\.wasm$/)]);
  expect(result.data).toEqual((await rawReference()).map((v) => expect.closeTo(v, 5)));
}, 120_000);

test('HTML served instead of the .wasm file → ASSET_INVALID naming the URL and what came back', async () => {
  const { result } = await open({ backends: '["wasm"]', assets: '/spa/', model: MODEL });
  expect(result.error).toBe('ASSET_INVALID');
  expect(result.message).toContain(`${server.url}/spa/tfjs-backend-wasm-threaded-simd.wasm`);
  expect(result.message).toContain('an HTML page');
}, 120_000);
