// backendPolicy 'fastest', and 'auto' (the default) after its idle pass: the backend each ends on
// vs the fastest backend measured independently on this device for the same model (each backend
// pinned in its own client, calls alternated). Chromium also: 'auto''s time to first prediction
// vs 'first-working''s (fresh clients, alternated). Node: wasm and cpu. Chromium: webgpu vs wasm
// in the vite-built page (NODE_ONLY=1 skips it).
import { join } from 'node:path';
import { createClient, type BackendName } from '../src/index.js';
import { ensureBenchModel, seeded } from '../test/support/fixtures.js';
import { REPO_ROOT, serveStatic } from '../test/support/fixtures-server.js';
import { runChromiumBench } from '../test/support/fixtures-page.js';
import { requireSystem } from './require-system.js';

if (!process.env.NODE_ONLY) requireSystem('backend-choice', ['chromium']); // its Chromium cases (NODE_ONLY=1 skips them)
const SAMPLES = Number(process.env.SAMPLES ?? 60);
const WASM_DIR = join(REPO_ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist/');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dir = await ensureBenchModel();
const server = await serveStatic();
const url = `${server.url}/${dir.slice(REPO_ROOT.length + 1)}/model.json`;
const input = seeded(16 * 256, 7);
const candidates: BackendName[] = ['wasm', 'cpu'];

const chooser = createClient({ backends: candidates, backendPolicy: 'fastest', assetsUrl: WASM_DIR, idbFactory: false });
const chosen = (await chooser.load({ url })).backend;
// 'auto': serves on the first working backend, then its idle pass (after the first prediction).
// cpu listed first, so the pass has to find wasm and move there.
let passed!: () => void;
const pass = new Promise<void>((r) => { passed = r; });
const auto = createClient({ backends: [...candidates].reverse(), assetsUrl: WASM_DIR, idbFactory: false, onDeliveryEvent: (e) => { if (e.type === 'backend-timed' || e.type === 'backend-switched') passed(); } });
const autoModel = await auto.load({ url });
await autoModel.predict(input);
await pass;
const onAuto = autoModel.backend;
await auto.dispose();

const pinned = await Promise.all(candidates.map(async (b) => {
  const c = createClient({ backends: [b], assetsUrl: WASM_DIR, idbFactory: false });
  return { b, c, m: await c.load({ url }) };
}));
const times = new Map<BackendName, number[]>(candidates.map((b) => [b, []]));
for (let i = 0; i < SAMPLES; i++) {
  for (const { b, m } of i % 2 ? pinned : [...pinned].reverse()) {
    const t = performance.now(); await m.predict(input); times.get(b)!.push(performance.now() - t);
  }
}
const medians = Object.fromEntries([...times].map(([b, t]) => [b, median(t)])) as Record<BackendName, number>;
const best = Math.min(...Object.values(medians));
if (process.env.VERBOSE) console.error('chosen', chosen, 'auto', onAuto, medians);
for (const [c, b] of [[`chose-${chosen}`, chosen], [`auto-${[...candidates].reverse().join('+')}-after-idle-pass-on-${onAuto}`, onAuto]] as const) {
  const value = medians[b], ratio = value / best;
  console.log(JSON.stringify({ bench: 'backend-choice', case: `node-${candidates.join('+')}:${c}`, value: +value.toFixed(4), unit: 'ms/predict', baseline: +best.toFixed(4), ratio: +ratio.toFixed(4), target: '<= 1.05', pass: ratio <= 1.05 }));
}
for (const p of pinned) await p.c.dispose();
await chooser.dispose();
await server.close();
// Chromium: the same comparison in a vite-built page (webgpu on SwiftShader, threaded wasm).
if (!process.env.NODE_ONLY) await runChromiumBench('backend-choice', dir);
