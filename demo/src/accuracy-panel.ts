// Section 3: accuracy on the labelled sample set that ships with the model. Each sample is
// predicted through the SDK and its true label sent as feedback, so the collector's report
// computes the same accuracy from confusion counts.
import type { App } from './app.js';
import { action, byId, h, ms, pct, quantile, show, table } from './dom.js';

export interface AccuracyResult { n: number; correct: number; perClass: Map<string, { n: number; correct: number }>; times: number[] }

/** Predict every sample (one call each, as a page would), send each true label as feedback. */
export async function runSampleSet(app: App, onProgress: (done: number, total: number) => void): Promise<AccuracyResult> {
  const { model, client, samples } = app;
  if (!model || !client || !samples) throw new Error('load a manifest model with a sample set first');
  const perClass = new Map<string, { n: number; correct: number }>();
  const times: number[] = [];
  let correct = 0;
  for (const [i, s] of samples.samples.entries()) {
    const r = await model.predict(Float32Array.from(s.input));
    times.push(r.ms);
    const predicted = r.top?.[0]?.label;
    const c = perClass.get(s.label) ?? { n: 0, correct: 0 };
    c.n++;
    if (predicted === s.label) { c.correct++; correct++; }
    perClass.set(s.label, c);
    void client.feedback(r.id, s.label);
    if (i % 20 === 0) { onProgress(i, samples.samples.length); await new Promise((r) => setTimeout(r, 0)); }
  }
  return { n: samples.samples.length, correct, perClass, times };
}

export function initAccuracyPanel(app: App): void {
  const status = byId('accuracy-status');
  const result = byId('accuracy-result');
  app.onModel(() => {
    show(result);
    show(byId('accuracy-source'), app.samples
      ? `${app.samples.samples.length} labelled samples${app.samples.source ? ` from ${app.samples.source}` : ''}`
      : app.model ? 'this model has no labelled sample set (dropped folders do not)' : '');
    byId<HTMLButtonElement>('accuracy-run').disabled = !app.samples;
  });
  action(byId<HTMLButtonElement>('accuracy-run'), status, async () => {
    const r = await runSampleSet(app, (done, total) => show(status, `predicting ${done} / ${total}…`));
    const sorted = [...r.times].sort((a, b) => a - b);
    const classes = [...r.perClass.entries()].sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true }));
    show(result,
      h('p', {}, h('span', { class: 'big', id: 'accuracy-value' }, pct(r.correct / r.n)), ` accuracy: ${r.correct} of ${r.n} correct on ${app.model!.backend}; predict p50 ${ms(quantile(sorted, 0.5))}, p99 ${ms(quantile(sorted, 0.99))}.`),
      table(['true label', 'samples', 'correct', 'recall'], classes.map(([label, c]) => [label, c.n, c.correct, pct(c.correct / c.n)])),
      h('p', { class: 'muted' }, `Each true label went to the collector as client.feedback(); section 7 shows the accuracy it computes from them.`));
    show(status, '');
  });
}
