// Worker mode starts the first backend when the client is created, not at the first load():
// the worker has no page to slow down, so the app's time between createClient() and load()
// pays for the backend's import, init and self-test. Observed through the .wasm request the
// wasm backend makes while it starts (served from a path that answers HTML, so tfjs's own wasm
// init is never reached and the process's engine stays clean). Node, real HTTP, the real message layer
// over a MessageChannel (the worker side is serve(), the code the worker script runs).
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createClient } from '../../src/sdk/client.js';
import { serve } from '../../src/sdk/worker/serve.js';
import { ensureFixtures } from '../support/fixtures.js';
import { serveStatic, type StaticServer } from '../support/fixtures-server.js';

let server: StaticServer;
beforeAll(async () => {
  await ensureFixtures();
  server = await serveStatic({ override: (p) => (p.startsWith('/assets-') ? { body: '<!doctype html><title>app</title>', type: 'text/html' } : undefined) });
});
afterAll(() => server.close());

function channelWorker(): Worker {
  const { port1, port2 } = new MessageChannel();
  serve(port2 as never);
  return Object.assign(port1, { terminate: () => { port1.close(); port2.close(); } }) as unknown as Worker;
}
const wasmRequests = (dir: string) => server.requests.filter((p) => p.startsWith(`/${dir}/`) && p.endsWith('.wasm'));
async function until(ok: () => boolean, ms = 20_000) {
  for (const end = Date.now() + ms; !ok(); await new Promise((r) => setTimeout(r, 20))) if (Date.now() > end) throw new Error('timed out');
}

test('worker mode: the first backend starts at createClient(), before any load(); a failed start still reaches load() as a fallback reason', async () => {
  const options = { backends: ['wasm' as const, 'cpu' as const], cache: false as const, idbFactory: false as const };
  const worker = createClient({ ...options, assetsUrl: `${server.url}/assets-worker/`, worker: channelWorker(), workerFallback: false });
  const direct = createClient({ ...options, assetsUrl: `${server.url}/assets-direct/` });
  await until(() => wasmRequests('assets-worker').length > 0);
  expect(server.requests.filter((p) => p.endsWith('model.json'))).toEqual([]);
  // Direct mode keeps the page's main thread free until the app asks for a model.
  expect(wasmRequests('assets-direct')).toEqual([]);

  const m = await worker.load({ url: `${server.url}/.tmp/fixtures/graph-float32/model.json` });
  expect(m.backend).toBe('cpu');
  expect(m.fallbacks).toEqual([{ backend: 'wasm', reason: expect.stringMatching(/^ASSET_INVALID: .*\/assets-worker\/tfjs-backend-wasm(-simd)?\.wasm/) }]);
  await worker.dispose();
  await direct.dispose();
}, 60_000);
