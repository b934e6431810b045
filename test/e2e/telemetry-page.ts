// Browser side of the telemetry e2e tests: bundled with esbuild by telemetry-harness.ts.
// Exposes window.tel.* for page.evaluate(). Synthetic events drive the recorder directly;
// runModel() goes through createClient + a real model predict. With ?mode=worker the same
// calls run in worker mode: telemetry in /tel-worker.js (telemetry-worker.ts) with the page's
// events forwarded by the SDK's proxy code, and createClient({ worker: '/worker.js' }).
import '@tensorflow/tfjs-backend-cpu';
import { proxy, wrap } from 'comlink';
import { createClient } from '../../src/sdk/client.js';
import { pageTelemetry } from '../../src/sdk/proxy/page-telemetry.js';
import { createTelemetry, type Telemetry, type TelemetryOptions } from '../../src/sdk/telemetry/index.js';
import { checkTelemetryOptions } from '../../src/sdk/telemetry/options.js';
import { recordSynthetic } from './telemetry-synthetic.js';
import type { TelemetryWorkerApi } from './telemetry-worker.js';
import { onINP, onLCP } from 'web-vitals';

const inWorker = new URLSearchParams(location.search).get('mode') === 'worker';
let t: Telemetry | undefined;
let remote: ReturnType<typeof wrap<TelemetryWorkerApi>> | undefined;
let lcpReport: Promise<void> | undefined;
let inpProcessed: Promise<void> | undefined;

// Writes down every sendBeacon call and what Chromium answered, in localStorage so that the
// next page can read it after this one is gone.
const realBeacon = navigator.sendBeacon.bind(navigator);
navigator.sendBeacon = (url: string | URL, data?: BodyInit | null) => {
  const ok = realBeacon(url, data);
  const log = JSON.parse(localStorage.getItem('test-beacons') ?? '[]') as { chars: number; ok: boolean }[];
  log.push({ chars: typeof data === 'string' ? data.length : -1, ok });
  localStorage.setItem('test-beacons', JSON.stringify(log));
  return ok;
};

const tel = {
  async start(options: TelemetryOptions) {
    if (!inWorker) { t = createTelemetry({ webVitals: false, ...options }); return; }
    remote = wrap<TelemetryWorkerApi>(new Worker('/tel-worker.js', { type: 'module' }));
    const page = pageTelemetry({ webVitals: false, ...options }); // the SDK's page half, as createClient({ worker }) starts it
    // (the SDK's own worker gets these functions through its message layer; this test worker through Comlink)
    await remote.start(options, ...(page.args.map((a) => (typeof a === 'function' ? proxy(a) : a)) as typeof page.args));
    page.attach(remote, checkTelemetryOptions(options as TelemetryOptions & { endpoint: string }), () => true);
  },
  /** Give the page something to paint (FCP, LCP need contentful paint), and a click handler
   *  slow enough (80 ms) to be an interaction INP reports. */
  paint() {
    const h = document.createElement('h1');
    h.textContent = 'InferScope telemetry test page';
    document.body.append(h);
    document.addEventListener('click', () => { const end = performance.now() + 80; while (performance.now() < end); });
  },
  /** Resolves once this page has painted: Chromium has a first-contentful-paint and an LCP entry,
   *  which web-vitals (observing buffered entries) can report. A fixed 1 s wait was not always
   *  enough on a loaded machine, and a page closed before its first paint has neither. */
  painted(): Promise<void> {
    return new Promise((resolve) => {
      const seen = new Set<string>();
      const po = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) seen.add(e.entryType === 'paint' ? e.name : e.entryType);
        if (seen.has('first-contentful-paint') && seen.has('largest-contentful-paint')) { po.disconnect(); resolve(); }
      });
      po.observe({ type: 'paint', buffered: true });
      po.observe({ type: 'largest-contentful-paint', buffered: true });
    });
  },
  /** A web-vitals LCP observer of the page's own, registered after the SDK's (call it after
   *  start()): an input ends both, and their reports run as idle callbacks in registration order,
   *  so once lcpReported() resolves the SDK has had its LCP report too. */
  watchLcp() { lcpReport = new Promise((resolve) => onLCP(() => resolve())); },
  lcpReported: () => lcpReport,
  /** The same for INP: web-vitals handles an interaction's entries in an idle callback, and one
   *  still waiting when the page hides runs after its final report, so that interaction never
   *  reaches any INP report (a tab closed within an idle period of a click). With
   *  reportAllChanges this observer reports once it has handled the interaction; the SDK's,
   *  registered first, has handled it by then too. */
  watchInp() { inpProcessed = new Promise((resolve) => onINP(() => resolve(), { reportAllChanges: true })); },
  inpProcessed: () => inpProcessed,
  /** sendBeacon calls so far (this page and earlier ones), then forgets them. */
  beacons(): { chars: number; ok: boolean }[] {
    const log = JSON.parse(localStorage.getItem('test-beacons') ?? '[]');
    localStorage.removeItem('test-beacons');
    return log;
  },
  /** n synthetic predictions (see telemetry-synthetic.ts), in the worker in worker mode. */
  async record(n: number, from = 0, model = 'synthetic', labelChars = 0) {
    if (remote) await remote.record(n, from, model, labelChars);
    else recordSynthetic(t!, n, from, model, labelChars);
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
