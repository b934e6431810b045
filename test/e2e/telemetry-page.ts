// Browser side of the telemetry e2e tests: bundled with esbuild by telemetry-harness.ts.
// Exposes window.tel.* for page.evaluate(). Synthetic events drive the recorder directly;
// runModel() goes through createClient + a real model predict. With ?mode=worker the same
// calls run in worker mode: telemetry in /tel-worker.js (telemetry-worker.ts) with the page's
// events forwarded by the SDK's proxy code, and createClient({ worker: '/worker.js' }).
import '@tensorflow/tfjs-backend-cpu';
import { wrap } from 'comlink';
import { createClient } from '../../src/sdk/client.js';
import { forwardPageEvents } from '../../src/sdk/proxy/forward-page-events.js';
import { createTelemetry, type Telemetry, type TelemetryOptions } from '../../src/sdk/telemetry/index.js';
import { recordSynthetic } from './telemetry-synthetic.js';
import type { TelemetryWorkerApi } from './telemetry-worker.js';

const inWorker = new URLSearchParams(location.search).get('mode') === 'worker';
let t: Telemetry | undefined;
let remote: ReturnType<typeof wrap<TelemetryWorkerApi>> | undefined;

const tel = {
  async start(options: TelemetryOptions) {
    if (!inWorker) { t = createTelemetry({ webVitals: false, ...options }); return; }
    remote = wrap<TelemetryWorkerApi>(new Worker('/tel-worker.js', { type: 'module' }));
    await remote.start(options);
    forwardPageEvents(remote, options.webVitals ?? false, () => true);
  },
  /** Give the page something to paint (FCP, LCP need contentful paint). */
  paint() {
    const h = document.createElement('h1');
    h.textContent = 'InferScope telemetry test page';
    document.body.append(h);
  },
  async record(n: number, from = 0) {
    if (remote) await remote.record(n, from);
    else recordSynthetic(t!, n, from);
  },
  flush: () => (remote ? remote.flush() : t!.flush()),
  dispose: () => (remote ? remote.dispose() : t!.dispose()),
  async runModel(opts: { modelUrl: string; n: number; telemetry: TelemetryOptions; inputs: number[] }) {
    const client = createClient({ backends: ['cpu'], cache: false, telemetry: { webVitals: false, ...opts.telemetry }, worker: inWorker && '/worker.js', workerFallback: false });
    const model = await client.load({ url: opts.modelUrl });
    const scores: number[] = [];
    const joined: boolean[] = [];
    for (let i = 0; i < opts.n; i++) {
      const r = await model.predict(new Float32Array(opts.inputs.map((v) => v + i / 1000)));
      scores.push(r.data[0]!);
      if (i < 5) joined.push(await client.feedback(r.id, 'truth'));
    }
    joined.push(await client.feedback('no-such-prediction', 'truth'));
    await client.flush();
    await client.dispose();
    return { id: model.id, backend: model.backend, scores, joined };
  },
  async outboxCount(): Promise<number> {
    const names = (await indexedDB.databases()).map((d) => d.name!).filter((n) => n.startsWith('inferscope-telemetry'));
    let total = 0;
    for (const name of names) {
      total += await new Promise<number>((resolve) => {
        const req = indexedDB.open(name);
        req.onsuccess = () => {
          const db = req.result;
          const c = db.transaction('outbox').objectStore('outbox').count();
          c.onsuccess = () => { resolve(c.result); db.close(); };
        };
        req.onerror = () => resolve(0);
      });
    }
    return total;
  },
};

(globalThis as { tel?: typeof tel }).tel = tel;
