// Section 2: the same model on each ticked backend, one client each: load time, latency
// percentiles and a quantile plot of every timed prediction (uPlot).
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { BackendName } from '../../src/index.js';
import { loadChoice, makeClient, type App } from './app.js';
import { randomExample } from './catalog.js';
import { action, byId, h, ms, quantile, show, table } from './dom.js';
import { blockingView } from './blocking-panel.js';
import { meterMainThread } from './main-thread-meter.js';
import { checkedBackends } from './model-panel.js';

const COLORS: Record<BackendName, string> = { webgpu: '#7b3fc4', wasm: '#2956c9', webgl: '#1b7a3a', cpu: '#b36b00' };

interface Run { backend: BackendName; loadMs: number | null; times: number[]; picked?: string; error?: string; inWorker?: boolean }

/** One example to time: the first labelled sample, or random values of the input shape. */
export function exampleInput(app: App): Float32Array {
  const s = app.samples?.samples[0];
  return s ? Float32Array.from(s.input) : randomExample(app.choice!.exampleShape);
}

async function runBackend(app: App, backend: BackendName, runs: number): Promise<Run> {
  let inWorker = false;
  const client = makeClient(app, { backends: [backend], policy: 'first-working', telemetry: false }, (w) => { inWorker = w.inWorker; });
  try {
    const t0 = performance.now();
    const model = await loadChoice(client, app.choice!);
    const loadMs = performance.now() - t0;
    const x = exampleInput(app);
    // A copy per call: in worker mode the array is moved to the worker (its buffer detached here).
    for (let i = 0; i < 3; i++) await model.predict(x.slice()); // warm caches and pipelines
    const times: number[] = [];
    for (let i = 0; i < runs; i++) times.push((await model.predict(x.slice())).ms);
    return { backend, loadMs, times, inWorker };
  } catch (err) {
    return { backend, loadMs: null, times: [], error: (err as Error).message };
  } finally {
    await client.dispose();
  }
}

function chart(el: HTMLElement, runs: Run[]): void {
  const ok = runs.filter((r) => r.times.length);
  el.replaceChildren();
  if (!ok.length) return;
  const n = Math.max(...ok.map((r) => r.times.length));
  const xs = Array.from({ length: n }, (_, i) => (n === 1 ? 50 : (i / (n - 1)) * 100));
  const ys = ok.map((r) => {
    const sorted = [...r.times].sort((a, b) => a - b);
    // Floored at 1 µs: a log axis has no 0.
    return xs.map((q) => Math.max(0.001, quantile(sorted, q / 100)!));
  });
  // A log y axis: one slow backend (software WebGPU: 100x) would squash the others flat at 0 on a
  // linear one. The legend names each backend with its median, readable without hovering.
  new uPlot({
    width: Math.min(760, el.clientWidth || 760), height: 260, title: 'latency distribution (quantile plot: x = percentile, y = ms, log scale)',
    scales: { x: { time: false }, y: { distr: 3, log: 10 } },
    axes: [{ label: 'percentile' }, { label: 'ms (log)' }],
    series: [{ label: 'percentile' }, ...ok.map((r, i) => ({ label: `${r.backend} (p50 ${ms(ys[i]![Math.round((n - 1) / 2)])})`, stroke: COLORS[r.backend], width: 2 }))],
  }, [xs, ...ys] as uPlot.AlignedData, el);
  el.dataset.yScale = 'log';
}

export function initComparePanel(app: App): void {
  const status = byId('compare-status');
  const blocking = blockingView();
  action(byId<HTMLButtonElement>('compare'), status, async () => {
    if (!app.choice) throw new Error('load a model first (section 1)');
    const runsPer = Math.max(5, Math.min(1000, Number(byId<HTMLInputElement>('compare-runs').value) || 50));
    const runs: Run[] = [];
    const meter = meterMainThread();
    try {
      for (const b of checkedBackends()) {
        show(status, `timing ${b}${app.inWorker ? ' in a worker' : ''}…`);
        runs.push(await runBackend(app, b, runsPer));
        render(runs);
      }
    } finally {
      // As the clients said (a worker that did not start ran on the main thread).
      const ok = runs.filter((r) => !r.error);
      blocking.add(ok.length && ok.every((r) => r.inWorker) ? 'in a worker' : 'on the main thread', runs.map((r) => r.backend).join(', '), await meter.stop());
    }
    show(status, `${runs.filter((r) => !r.error).length} of ${runs.length} backends ran the model`);
  });

  function render(runs: Run[]) {
    show(byId('compare-table'), table(['backend', 'load', 'p50', 'p90', 'p99', 'runs', 'note'], runs.map((r) => {
      const s = [...r.times].sort((a, b) => a - b);
      return [h('b', { style: `color:${COLORS[r.backend]}` }, r.backend), ms(r.loadMs), ms(quantile(s, 0.5)), ms(quantile(s, 0.9)), ms(quantile(s, 0.99)), s.length, r.error ?? ''];
    })));
    chart(byId('compare-chart'), runs);
  }
}
