// The tabular model: a form with one field per named feature, predict + explain (attribution
// bars), and a drift control that shifts every input by k standard deviations of the sample
// set, sends enough predictions for the collector to report drift, and shows the score rise.
import type { App } from './app.js';
import { scoreBars, signedBars } from './bars.js';
import { action, h, show } from './dom.js';
import { driftControl } from './drift-control.js';

export function featureNames(app: App): string[] {
  const spec = app.choice?.inputs?.[0];
  const n = app.choice?.exampleShape.at(-1) ?? app.samples?.samples[0]?.input.length ?? 0;
  return spec?.features ?? app.samples?.features ?? Array.from({ length: n }, (_, i) => `x${i}`);
}

/** Mean and standard deviation of each feature over the sample set. */
export function featureStats(app: App): { mean: number[]; std: number[] } {
  const rows = app.samples?.samples.map((s) => s.input) ?? [];
  const f = featureNames(app).length;
  const mean = Array.from({ length: f }, (_, j) => rows.reduce((a, r) => a + r[j]!, 0) / Math.max(1, rows.length));
  const std = mean.map((m, j) => Math.sqrt(rows.reduce((a, r) => a + (r[j]! - m) ** 2, 0) / Math.max(1, rows.length - 1)) || 1);
  return { mean, std };
}

export function tabularPanel(app: App, root: HTMLElement): void {
  const names = featureNames(app);
  const fields = names.map((n) => h('input', { type: 'number', step: 'any', name: n, id: `feature-${n}`, style: 'width:8em' }));
  const status = h('div', { class: 'status' });
  const out = h('div', { id: 'tabular-result' });
  const why = h('div', { id: 'tabular-explain' });
  const trueLabel = h('span', { class: 'muted' });
  const values = () => Float32Array.from(fields.map((f) => Number(f.value)));
  // An edit (typing, Next sample, a drift run) makes the shown prediction and explanation, and
  // its "why" line, describe other values: they go at once, and an answer computed for older
  // values never lands over newer ones (as on the digit pad). gen counts edits.
  let gen = 0;
  const stale = () => { gen++; show(out); show(why); show(status); status.classList.remove('error'); };
  for (const f of fields) f.addEventListener('input', stale);
  const fill = (row: ArrayLike<number>, label?: string) => {
    stale();
    fields.forEach((f, i) => { f.value = String(Number(row[i]!.toFixed(4))); });
    show(trueLabel, label ? `true label of this sample: ${label}` : '');
  };
  const samples = app.samples?.samples ?? [];
  let current = 0;
  if (samples[0]) fill(samples[0].input, samples[0].label);

  const predict = async () => {
    const seen = gen;
    const r = await app.model!.predict([Array.from(values())]);
    if (seen !== gen) return;
    show(out, h('p', {}, 'prediction ', h('span', { class: 'big' }, r.top?.[0]?.label ?? '?'), ` in ${r.ms.toFixed(2)} ms`), scoreBars(r.top ?? []));
  };
  const explain = async () => {
    const seen = gen;
    const e = await app.model!.explain([Array.from(values())], { features: names });
    if (seen !== gen) return;
    const rows = (e.features ?? names.map((name, i) => ({ name, value: e.attributions[i]!, input: values()[i]! })))
      .map((f) => ({ label: f.name, value: f.value, note: `input ${f.input.toFixed(2)}` }));
    show(why, h('p', {}, `${e.method}: why "${e.label ?? e.classIndex}" (score ${e.score.toFixed(3)}, reference ${e.baseScore.toFixed(3)})`), signedBars(rows));
  };

  const predictBtn = h('button', { class: 'primary' }, 'Predict');
  const explainBtn = h('button', {}, 'Explain');
  const nextBtn = h('button', {}, 'Next sample');
  action(predictBtn, status, predict);
  action(explainBtn, status, explain);
  action(nextBtn, status, async () => {
    if (!samples.length) throw new Error('no sample set to take values from');
    current = (current + 1) % samples.length;
    fill(samples[current]!.input, samples[current]!.label);
    await predict();
  });

  const drift = h('div', { id: 'drift' });
  show(root,
    h('div', { class: 'split' },
      h('div', {},
        h('table', {}, h('tbody', {}, ...names.map((n, i) => h('tr', {}, h('td', {}, h('label', { for: `feature-${n}` }, n)), h('td', {}, fields[i]!))))),
        h('div', { class: 'row' }, predictBtn, explainBtn, nextBtn), trueLabel),
      out, why),
    status, h('h3', {}, 'Drift'), drift);
  driftControl(app, drift, {
    stats: featureStats(app),
    onShifted: async (row) => { fill(row); await predict(); await explain(); },
  });
}
