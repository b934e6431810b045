// Browser side of the delivery e2e tests and bench/load: bundled with esbuild, served by
// delivery-harness.ts. Exposes window.delivery.* for page.evaluate().
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { createClient } from '../../src/sdk/client.js';
import type { DeliveryEvent } from '../../src/sdk/delivery/index.js';
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
  error?: { code?: string; message: string };
}

async function run({ manifestUrl, id, maxAgeMs, inputs = 16, cache = true }: { manifestUrl: string; id: string; maxAgeMs?: number; inputs?: number; cache?: boolean }): Promise<RunResult> {
  const events: DeliveryEvent[] = [];
  const progress: LoadProgress[] = [];
  const client = createClient({
    backends: ['cpu'], manifestUrl, manifestMaxAgeMs: maxAgeMs, cache: cache ? {} : false, onDeliveryEvent: (e) => events.push(e),
  });
  const t0 = performance.now();
  try {
    const model = await client.load(id, { onProgress: (p) => progress.push(p) });
    const r = await model.predict(new Float32Array(inputs).fill(0.5));
    const ms = performance.now() - t0;
    return {
      version: model.version, backend: model.backend, data: Array.from(r.data), events, ms,
      phases: [...new Set(progress.map((p) => `${p.phase}:${p.source}`))], cached: await client.cached(),
    };
  } catch (err) {
    const e = err as { code?: string; message: string };
    return { version: '', backend: '', data: [], events, phases: [], cached: [], ms: 0, error: { code: e.code, message: e.message } };
  } finally {
    await client.dispose();
  }
}

/** Baseline for bench/load: tfjs's own IndexedDB model store, same model, same backend. */
async function tfjsIndexedDb({ url, save, inputs }: { url: string; save: boolean; inputs: number }): Promise<number> {
  await tf.setBackend('cpu');
  if (save) {
    const m = await tfl.loadLayersModel(url);
    await m.save('indexeddb://bench-model');
    m.dispose();
    return 0;
  }
  const t0 = performance.now();
  const m = await tfl.loadLayersModel('indexeddb://bench-model');
  const y = m.predict(tf.zeros([1, inputs]).add(0.5)) as tf.Tensor;
  await y.data();
  const ms = performance.now() - t0;
  y.dispose();
  m.dispose();
  return ms;
}

(globalThis as unknown as { delivery: unknown }).delivery = { run, tfjsIndexedDb };
