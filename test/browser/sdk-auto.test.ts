// Real Chromium: backendPolicy 'auto' (the default) times the real model in idle time
// (requestIdleCallback on the page) and ends on the faster backend. WebGPU here runs on
// SwiftShader, a software adapter about two orders of magnitude slower than wasm for this model,
// so "wasm is faster" is not a close call; the second case asserts only consistency.
import { afterEach, expect, test } from 'vitest';
import { createClient, type BackendName, type ClientOptions, type DeliveryEvent } from '../../src/index.js';

const MODEL = '/.tmp/fixtures/graph-conv/model.json';
const ASSETS = '/node_modules/@tensorflow/tfjs-backend-wasm/dist/';
const image = Array.from({ length: 1 }, () => Array.from({ length: 8 }, (_, y) => Array.from({ length: 8 }, (_, x) => [((x * 3 + y * 5) % 11) / 10])));
const clients: ReturnType<typeof createClient>[] = [];
afterEach(async () => { for (const c of clients.splice(0)) await c.dispose(); });

// initTimeoutMs 60 s, not the 10 s default: on a loaded CI machine starting threaded WASM or WebGPU on
// SwiftShader can take that long, and a backend given up on would fail a placement claim here.
function auto(o: Partial<ClientOptions>) {
  const events: DeliveryEvent[] = [];
  const c = createClient({ assetsUrl: ASSETS, idbFactory: false, initTimeoutMs: 60_000, onDeliveryEvent: (e) => events.push(e), ...o });
  clients.push(c);
  const passDone = async () => {
    const t0 = performance.now();
    for (;;) {
      const e = events.find((x) => x.type === 'backend-switched' || x.type === 'backend-timed');
      if (e && (e.type === 'backend-switched' || e.type === 'backend-timed')) return e;
      if (performance.now() - t0 > 100_000) throw new Error(`no backend-timed / backend-switched event; events: ${JSON.stringify(events)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { c, passDone };
}
const fastestOf = (timings: Partial<Record<BackendName, number>>) => (Object.entries(timings) as [BackendName, number][]).sort((a, b) => a[1] - b[1])[0]![0];

test("'auto' on webgpu (software adapter) + wasm: serves on wasm at once, times webgpu in idle time, ends on the faster (wasm)", async () => {
  const { c, passDone } = auto({ backends: ['webgpu', 'wasm'] });
  const m = await c.load({ url: MODEL });
  expect(m.backend).toBe('wasm'); // webgpu runs in software here: placed after wasm (#17.6)
  const first = Array.from((await m.predict(image)).data);
  const e = await passDone();
  expect(Object.keys(e.timings).sort()).toEqual(['wasm', 'webgpu']); // webgpu was really timed
  expect(e.timings.webgpu!).toBeGreaterThan(e.timings.wasm!);
  expect(e).toMatchObject({ type: 'backend-timed', backend: 'wasm' });
  expect(m.backend).toBe('wasm');
  const again = Array.from((await m.predict(image)).data);
  expect(again).toEqual(first);
}, 120_000);

test("'auto' starting on webgl (listed first) ends on whichever backend its pass measured fastest, answers unchanged", async () => {
  const { c, passDone } = auto({ backends: ['webgl', 'wasm'] });
  const m = await c.load({ url: MODEL });
  expect(m.backend).toBe('webgl');
  const first = Array.from((await m.predict(image)).data);
  const e = await passDone();
  const fastest = fastestOf(e.timings);
  expect(m.backend).toBe(fastest);
  if (fastest === 'wasm') expect(e).toMatchObject({ type: 'backend-switched', from: 'webgl', to: 'wasm' });
  const after = Array.from((await m.predict(image)).data);
  after.forEach((v, i) => expect(Math.abs(v - first[i]!)).toBeLessThanOrEqual(1e-3 * (1 + Math.abs(first[i]!))));
}, 120_000);
