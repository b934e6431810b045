// The end-to-end page (test/e2e/e2e-pipeline.test.ts drives it): load ?model through the
// manifest, predict ?n labelled samples, send the true label for every ?feedbackEvery-th one,
// and publish what it did on window.__e2e. Telemetry's timer is set far out, so what reaches
// the collector leaves on the unload path when the test closes the page. With ?worker=1 the client
// runs in worker mode, the SDK's worker bundled by Vite as an app would (new Worker(new URL(…))).
import { createClient } from '../../src/index.js';
import { fetchSamples, choicesOf, fetchManifest, MANIFEST_URL } from './catalog.js';
import { loadDemoConfig } from './config.js';

export interface E2EResult {
  model: string; version: string; backend: string;
  predictions: number; feedback: number; feedbackCorrect: number; error?: string;
  /** The SDK's worker took the client (a worker-started delivery event). */
  inWorker?: boolean;
}

async function run(): Promise<E2EResult> {
  const q = new URLSearchParams(location.search);
  const id = q.get('model') ?? 'digits';
  const n = Number(q.get('n') ?? 40);
  const every = Number(q.get('feedbackEvery') ?? 2);
  const config = await loadDemoConfig();
  if (!config.collectorUrl) throw new Error('no collector in /demo-config.json');
  let inWorker = false;
  const client = createClient({
    ...(q.get('worker') === '1' ? { worker: new Worker(new URL('../../src/worker.ts', import.meta.url), { type: 'module', name: 'inferscope' }), workerFallback: false } : {}),
    onDeliveryEvent: (e) => { if (e.type === 'worker-started') inWorker = true; },
    manifestUrl: MANIFEST_URL,
    assetsUrl: '/inferscope/',
    backends: (q.get('backends') ?? 'wasm,cpu').split(',') as ('wasm' | 'cpu')[],
    telemetry: { endpoint: `${config.collectorUrl}/v1/batches`, appKey: config.appKey, flushIntervalMs: 3_600_000, webVitals: false },
  });
  const model = await client.load(id, { channel: 'stable' });
  const choice = choicesOf(await fetchManifest()).find((c) => c.id === id && c.channel === 'stable');
  const samples = choice && (await fetchSamples(choice));
  if (!samples) throw new Error(`no labelled samples for ${id}`);
  let feedback = 0, feedbackCorrect = 0;
  for (let i = 0; i < n; i++) {
    const s = samples.set.samples[i % samples.set.samples.length]!;
    const r = await model.predict(Float32Array.from(s.input));
    if (i % every === 0) {
      if (await client.feedback(r.id, s.label)) {
        feedback++;
        if (r.top?.[0]?.label === s.label) feedbackCorrect++;
      }
    }
  }
  return { model: model.id, version: model.version, backend: model.backend, predictions: n, feedback, feedbackCorrect, inWorker };
}

const w = window as unknown as { __e2e?: E2EResult };
run().then(
  (r) => { w.__e2e = r; },
  (err) => { w.__e2e = { model: '', version: '', backend: '', predictions: 0, feedback: 0, feedbackCorrect: 0, error: String((err as Error).message ?? err) }; },
).finally(() => { document.getElementById('out')!.textContent = JSON.stringify(w.__e2e, null, 2); });
