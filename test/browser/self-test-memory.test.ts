// Real Chromium (WebGPU on SwiftShader, WebGL2, wasm, cpu): a self-test pass is remembered under
// the GPU it ran on. webgl and webgpu name their renderer / adapter in the key, so a pass there is
// kept only where the browser says which GPU it is; the next client (a later visit, as far as the
// memory is concerned) loads without the self-test and answers the same.
import { afterAll, afterEach, expect, test } from 'vitest';
import { createClient, type BackendName } from '../../src/index.js';

const MODEL = '/.tmp/fixtures/graph-float32/model.json';
const ASSETS = '/node_modules/@tensorflow/tfjs-backend-wasm/dist/';
const X = new Float32Array([0.5, -1, 2, 0.25]);
const clients: ReturnType<typeof createClient>[] = [];
afterEach(async () => { for (const c of clients.splice(0)) await c.dispose(); });
// Other files of this tier share the origin's localStorage: leave no pass behind for them.
afterAll(() => { for (const b of ['webgpu', 'webgl', 'wasm', 'cpu']) localStorage.removeItem(`inferscope:selftest:${b}`); });

async function load(backend: BackendName) {
  const selfTests: string[] = [];
  // initTimeoutMs 60 s: a backend start may take that long on a loaded CI machine (default 10 s).
  const c = createClient({ backends: [backend], assetsUrl: ASSETS, cache: false, initTimeoutMs: 60_000, testHooks: { onSelfTest: (n) => selfTests.push(n) } });
  clients.push(c);
  const m = await c.load({ url: MODEL });
  return { selfTests, backend: m.backend, data: Array.from((await m.predict(X)).data) };
}

test.each(['webgpu', 'webgl', 'wasm', 'cpu'] as BackendName[])('%s: the pass is stored under this GPU and browser, and the next load skips the self-test', async (b) => {
  localStorage.removeItem(`inferscope:selftest:${b}`);
  const first = await load(b);
  expect([first.backend, first.selfTests]).toEqual([b, [b]]);
  const stored = JSON.parse(localStorage.getItem(`inferscope:selftest:${b}`) ?? 'null');
  expect(stored.at).toBeLessThanOrEqual(Date.now());
  const [name, ua, gpu] = JSON.parse(stored.identity);
  expect([name, ua]).toEqual([b, navigator.userAgent]);
  // SwiftShader behind both GPU backends here: the key names it; wasm and cpu have no GPU part.
  if (b === 'webgl' || b === 'webgpu') expect(gpu).toMatch(/swiftshader/i);
  else expect(gpu).toBe('');
  const next = await load(b);
  expect([next.backend, next.selfTests]).toEqual([b, []]);
  expect(next.data.map((v) => v.toFixed(3))).toEqual(first.data.map((v) => v.toFixed(3)));
});
