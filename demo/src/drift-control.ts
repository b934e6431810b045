// Drift control: shift every input by k standard deviations, send enough predictions for the
// collector to judge drift (its documented minimum per feature), flush telemetry, and read
// the drift scores back from the collector's report. Each run adds a row, so the rise shows.
import type { ModelReport } from '../../src/collector/report.js';
import type { App } from './app.js';
import { collectorGet } from './config.js';
import { action, h, show, table } from './dom.js';

/** Samples a window needs before the collector reports drift (src/protocol/drift.ts driftMinSamples). */
const minSamples = (bins: number) => Math.max(200, 50 * (Math.max(2, bins) - 1));

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
  const button = h('button', { class: 'primary', id: 'drift-run' }, `Send ${count} predictions`);
  const status = h('div', { class: 'status' });
  const history = h('div', { id: 'drift-history' });
  const runs: (string | number | HTMLElement)[][] = [];

  action(button, status, async () => {
    if (!app.config.collectorUrl) throw new Error('no collector: start the page with `npm start`');
    const { model, client, samples } = app;
    const k = Number(slider.value);
    const before = (await reportWith(app, model!.id, 0, 0)).predictions;
    let first: Float32Array | null = null;
    for (let i = 0; i < count; i++) {
      const s = samples!.samples[i % samples!.samples.length]!;
      const row = Float32Array.from(s.input, (v, j) => v + k * stats.std[j]!);
      first ??= row;
      await model!.predict([Array.from(row)]);
      if (i % 50 === 0) { show(status, `predicting ${i} / ${count} with inputs shifted by ${k} σ…`); await new Promise((r) => setTimeout(r, 0)); }
    }
    show(status, 'sending telemetry and reading the collector report…');
    await client!.flush();
    const report = await reportWith(app, model!.id, before + count);
    const v = report.versions.find((x) => x.version === model!.version) ?? report.versions[0];
    const feats = v?.drift.features ?? [];
    const worst = feats.reduce((a, f) => Math.max(a, f.short.psi ?? 0), 0);
    const level = (l: string) => h('span', { class: `level-${l}` }, l);
    runs.push([`${k} σ`, count, worst.toFixed(3), level(feats.find((f) => f.short.psi === worst)?.short.level ?? 'insufficient')]);
    show(history,
      table(['inputs shifted by', 'predictions', 'max PSI (last 2 min)', 'level'], runs),
      table(['feature', 'PSI (last 2 min)', 'JS distance', 'samples', 'level'], feats.map((f) => [f.name, f.short.psi?.toFixed(3) ?? '–', f.short.js?.toFixed(3) ?? '–', f.short.n, level(f.short.level)])),
      h('p', { class: 'muted' }, 'PSI: < 0.1 stable, < 0.25 moderate, above that significant. Scores come from the collector, computed from the binned counts the SDK sent.'));
    show(status, '');
    if (first) await onShifted(first);
  });

  show(root,
    h('p', { class: 'muted' }, `Shift the inputs away from the training data and watch the collector's drift score. The collector needs ${minSamples(bins)} samples in a window before it reports drift.`),
    h('div', { class: 'row' }, label, slider, button), status, history);
}
