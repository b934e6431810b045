// Browser side of the delivery e2e tests and bench/load: bundled with esbuild, served by
// delivery-harness.ts. Exposes window.delivery.* for page.evaluate().
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { createClient } from '../../src/sdk/client.js';
import { createDelivery, type DeliveryEvent } from '../../src/sdk/delivery/index.js';
import type { LoadProgress } from '../../src/sdk/fetch-model.js';

export interface RunResult {
  version: string;
  backend: string;
  data: number[];
  events: DeliveryEvent[];
  phases: string[];
  cached: { id: string; version: string; bytes: number }[];
  /** ms from load() to the first prediction's numbers. */
  ms: number;
  /** ms since load() at which each phase:source was first and last reported, and 'predict' ended. */
  timeline: Record<string, [number, number]>;
  /** Backends whose self-test ran in this load (testHooks.onSelfTest). */
  selfTests: string[];
  error?: { code?: string; message: string };
}

/** Faults for the self-test memory test: the cpu self-test answers wrong, or predict fails on cpu. */
export interface Faults { corruptSelfTest?: boolean; failPredict?: boolean }

/** `worker`: run the client in worker mode, the worker served at /worker.js (delivery-harness.ts). */
async function run({ manifestUrl, id, maxAgeMs, inputs = 16, cache = true, worker = false, faults = {} }: { manifestUrl: string; id: string; maxAgeMs?: number; inputs?: number; cache?: boolean; worker?: boolean; faults?: Faults }): Promise<RunResult> {
  const events: DeliveryEvent[] = [];
  const selfTests: string[] = [];
  const progress: LoadProgress[] = [];
  const timeline: Record<string, [number, number]> = {};
  // Worker mode: testHooks cannot cross, so a self-test shows as the pass the worker recorded in
  // this page's localStorage (a new value; a skipped self-test writes nothing). A predict fault
  // needs the worker (test/e2e/fault-worker.ts) told by message, so that run makes the Worker itself.
  const PASS = 'inferscope:selftest:cpu';
  const before = localStorage.getItem(PASS);
  const url = new URL('/worker.js', location.href).href;
  const own = worker && faults.failPredict ? new Worker(url, { type: 'module' }) : undefined;
  const t0 = performance.now(); // createClient is part of the app's path to its first prediction
  const client = createClient({
    backends: ['cpu'], manifestUrl, manifestMaxAgeMs: maxAgeMs, cache: cache ? {} : false, onDeliveryEvent: (e) => events.push(e),
    ...(worker ? {} : { testHooks: { onSelfTest: (name) => selfTests.push(name), corruptSelfTest: faults.corruptSelfTest ? ['cpu'] : [] } }),
    ...(worker ? { worker: own ?? url, workerFallback: false } : {}),
  });
  try {
    const model = await client.load(id, {
      onProgress: (p) => {
        progress.push(p);
        const k = `${p.phase}:${p.source}`, at = performance.now() - t0;
        timeline[k] = [timeline[k]?.[0] ?? at, at];
      },
    });
    timeline.loaded = [performance.now() - t0, performance.now() - t0];
    if (worker) { const after = localStorage.getItem(PASS); if (after !== null && after !== before) selfTests.push('cpu'); }
    // The cpu backend loses its data reads, as a backend whose device was lost would.
    if (faults.failPredict && own) own.postMessage('fail-predict');
    else if (faults.failPredict) Object.assign(tf.engine().registry.cpu!, { read: () => Promise.reject(new Error('cpu backend lost (test fault)')) });
    const r = await model.predict(new Float32Array(inputs).fill(0.5));
    const ms = performance.now() - t0;
    const t1 = performance.now();
    await model.predict(new Float32Array(inputs).fill(0.25));
    timeline.secondPredict = [0, performance.now() - t1];
    return {
      version: model.version, backend: model.backend, data: Array.from(r.data), events, ms, timeline,
      phases: [...new Set(progress.map((p) => `${p.phase}:${p.source}`))], cached: await client.cached(), selfTests,
    };
  } catch (err) {
    const e = err as { code?: string; message: string };
    return { version: '', backend: '', data: [], events, phases: [], cached: [], ms: 0, timeline, selfTests, error: { code: e.code, message: e.message } };
  } finally {
    await client.dispose();
  }
}

/** Baseline for bench/load: tfjs's own IndexedDB model store, same model, same backend. */
async function tfjsIndexedDb({ url, save, inputs }: { url: string; save: boolean; inputs: number }): Promise<number> {
  if (save) {
    await tf.setBackend('cpu');
    const m = await tfl.loadLayersModel(url);
    await m.save('indexeddb://bench-model');
    m.dispose();
    return 0;
  }
  // Timed like the SDK run: choosing the backend is part of a tfjs app's path to its first prediction.
  const t0 = performance.now();
  await tf.setBackend('cpu');
  const m = await tfl.loadLayersModel('indexeddb://bench-model');
  const x = tf.fill([1, inputs], 0.5);
  const y = m.predict(x) as tf.Tensor;
  await y.data();
  const ms = performance.now() - t0;
  tf.dispose([x, y]);
  m.dispose();
  return ms;
}

/** Storage only: verified artifacts from the delivery cache (manifest from its store, SHA-256 checked). */
async function loadOnly({ manifestUrl, id }: { manifestUrl: string; id: string }): Promise<{ ms: number; source: string }> {
  const t0 = performance.now();
  const d = createDelivery({ manifestUrl });
  const [ref] = await d.resolve({ id });
  const f = await d.fetchVersion(ref!);
  const ms = performance.now() - t0;
  await d.dispose();
  return { ms, source: f.source };
}

/** Storage only, tfjs: its indexeddb:// load handler's artifacts. */
async function tfjsLoadOnly(): Promise<number> {
  const t0 = performance.now();
  const a = await tf.io.getLoadHandlers('indexeddb://bench-model')[0]!.load!();
  if (!a.weightData) throw new Error('no weights in tfjs store');
  return performance.now() - t0;
}

/** Empties the delivery cache (cold start) without touching tfjs's own store. */
function clear(): Promise<void> {
  return new Promise((res, rej) => {
    const q = indexedDB.deleteDatabase('inferscope-delivery');
    q.onsuccess = () => res();
    q.onerror = () => rej(q.error);
    q.onblocked = () => rej(new Error('delete blocked: a connection is still open'));
  });
}

(globalThis as unknown as { delivery: unknown }).delivery = { run, tfjsIndexedDb, loadOnly, tfjsLoadOnly, clear };
