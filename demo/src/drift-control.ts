// Drift control: draw inputs from the training distribution (drift-draws.ts), shift them by k
// standard deviations, send predictions, flush telemetry and read the drift scores back from
// the collector's report at once (no waiting for a flush interval). Below the collector's
// minimum sample count (the same driftMinSamples rule) the page says "not enough data yet"
// instead of a number. Each run adds a row, so the rise shows.
import type { ModelReport } from '../../src/collector/report.js';
import { driftMinSamples as minSamples } from '../../src/protocol/drift.js';
import type { App } from './app.js';
import { collectorGet } from './config.js';
import { action, h, show, table } from './dom.js';
import { drawRow } from './drift-draws.js';

export const REPORT_QUERY = 'shortMinutes=2';

/** Poll the report until it counts at least `atLeast` predictions (the writer commits in groups). */
export async function reportWith(app: App, id: string, atLeast: number, timeoutMs = 15_000): Promise<ModelReport> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = await collectorGet<ModelReport>(app.config, `/v1/models/${encodeURIComponent(id)}/report?${REPORT_QUERY}`);
    if (r.predictions >= atLeast || Date.now() > end) return r;
    await new Promise((res) => setTimeout(res, 300));
  }
}

type Shifted = (row: Float32Array) => Promise<void>;

export function driftControl(app: App, root: HTMLElement, { stats, onShifted }: { stats: { mean: number[]; std: number[] }; onShifted: Shifted }): void {
  const baseline = app.choice?.entry?.baseline;
  if (!baseline || !app.samples) {
    show(root, h('p', { class: 'muted' }, 'This model has no drift baseline in the manifest (or no sample set), so the collector cannot score drift.'));
    return;
  }
  const bins = Math.max(...baseline.features.map((f) => f.expected.length));
  const count = minSamples(bins) + 50;
  const slider = h('input', { type: 'range', min: 0, max: 3, step: 0.25, value: 0, id: 'drift-shift' });
  const label = h('span', {}, 'shift: 0 σ');
  slider.addEventListener('input', () => show(label, `shift: ${slider.value} σ`));
  const countInput = h('input', { type: 'number', id: 'drift-count', min: 1, max: 5000, value: count, style: 'width:6em' });
  const button = h('button', { class: 'primary', id: 'drift-run' }, 'Send predictions');
  const status = h('div', { class: 'status' });
  const history = h('div', { id: 'drift-history' });
  const runs: (string | number | HTMLElement)[][] = [];

  action(button, status, async () => {
    if (!app.config.collectorUrl) throw new Error('no collector: start the page with `npm start`');
    const { model, client, samples } = app;
    const k = Number(slider.value);
    const count = Math.round(Number(countInput.value));
    if (!(count >= 1 && count <= 5000)) throw new Error(`send 1 to 5000 predictions, not ${countInput.value}`);
    const before = (await reportWith(app, model!.id, 0, 0)).predictions;
    let first: Float32Array | null = null;
    for (let i = 0; i < count; i++) {
      const s = samples!.samples[Math.floor(Math.random() * samples!.samples.length)]!;
      const row = Float32Array.from(drawRow(s.input, baseline.features), (v, j) => v + k * stats.std[j]!);
      first ??= row;
      await model!.predict([Array.from(row)]);
      if (i % 50 === 0) { show(status, `predicting ${i} / ${count} with inputs shifted by ${k} σ…`); await new Promise((r) => setTimeout(r, 0)); }
    }
    show(status, 'sending telemetry and reading the collector report…');
    await client!.flush();
    const report = await reportWith(app, model!.id, before + count);
    const v = report.versions.find((x) => x.version === model!.version) ?? report.versions[0];
    const feats = v?.drift.features ?? [];
    const scored = feats.filter((f) => f.short.psi !== null);
    const worst = scored.reduce<typeof feats[number] | null>((a, f) => (!a || f.short.psi! > a.short.psi! ? f : a), null);
    const notYet = (d: { n: number; minSamples: number }) => h('span', { class: 'level-insufficient' }, `not enough data yet (${d.n} of ${d.minSamples} samples)`);
    const level = (d: { level: string; n: number; minSamples: number }) => (d.level === 'insufficient' ? notYet(d) : h('span', { class: `level-${d.level}` }, d.level));
    const fewest = feats.reduce((a, f) => Math.min(a, f.short.n), Infinity);
    runs.push(worst
      ? [`${k} σ`, count, worst.short.psi!.toFixed(3), level(worst.short)]
      : [`${k} σ`, count, '–', notYet({ n: Number.isFinite(fewest) ? fewest : 0, minSamples: feats[0]?.short.minSamples ?? minSamples(bins) })]);
    show(history,
      table(['inputs shifted by', 'predictions', 'max PSI (last 2 min)', 'level'], runs),
      table(['feature', 'PSI (last 2 min)', 'JS distance', 'samples', 'level'], feats.map((f) => [f.name, f.short.psi?.toFixed(3) ?? '–', f.short.js?.toFixed(3) ?? '–', f.short.n, level(f.short)])),
      h('p', { class: 'muted' }, `PSI: < 0.1 stable, < 0.25 moderate, above that significant; scored only from ${minSamples(bins)} samples in the window, since with fewer, sampling noise alone (about (bins − 1) / samples) looks like drift. Scores come from the collector, computed from the binned counts the SDK sent; inputs are fresh draws from the training bins.`));
    show(status, '');
    if (first) await onShifted(first);
  });

  show(root,
    h('p', { class: 'muted' }, `Shift the inputs away from the training data and watch the collector's drift score. The collector needs ${minSamples(bins)} samples in a window before it reports drift.`),
    h('div', { class: 'row' }, label, slider, h('label', {}, 'predictions ', countInput), button), status, history);
}
