// Section 7: the collector's report for the loaded model (through the same-origin proxy).
import type { App } from './app.js';
import { collectorGet } from './config.js';
import { REPORT_QUERY } from './drift-control.js';
import { action, byId, h, ms, pct, show, table } from './dom.js';
import type { ModelReport } from '../../src/collector/report.js';

function view(r: ModelReport): HTMLElement {
  const c = r.classification;
  return h('div', { id: 'report-body' },
    table(['predictions', 'errors', 'latency p50', 'p90', 'p99', 'accuracy (feedback)', 'macro F1', 'labels received'], [[
      h('b', { id: 'report-predictions' }, r.predictions), r.errors, ms(r.latencyMs.p50), ms(r.latencyMs.p90), ms(r.latencyMs.p99),
      h('b', { id: 'report-accuracy' }, pct(c.accuracy)), c.macro.f1?.toFixed(3) ?? '–', c.n,
    ]]),
    table(['version', 'predictions', 'p50', 'loads', 'cache hit ratio', 'max drift PSI (long window)'], r.versions.map((v) => [
      v.version, v.predictions, ms(v.latencyMs.p50), v.load.count, pct(v.load.cacheHitRatio),
      v.drift.baseline ? (Math.max(0, ...v.drift.features.map((f) => f.long.psi ?? 0)).toFixed(3)) : `no baseline (${v.drift.reason ?? ''})`,
    ])),
    h('p', {}, 'backends: ', ...Object.entries(r.backends).map(([b, n]) => h('span', { class: 'pill' }, `${b}: ${n}`)),
      ...r.fallbacks.map((f) => h('span', { class: 'pill bad', title: f.reason }, `${f.backend} skipped ×${f.count}`))));
}

export function initReportPanel(app: App): void {
  const status = byId('report-status');
  const link = byId<HTMLAnchorElement>('dashboard-link');
  // No token in the link: the dashboard asks for it (npm start prints it), like section 8 does.
  if (app.config.collectorUrl) link.href = `${app.config.collectorUrl}/`;
  else link.hidden = true;
  const refresh = async () => {
    if (!app.model) throw new Error('load a model first');
    const r = await collectorGet<ModelReport>(app.config, `/v1/models/${encodeURIComponent(app.model.id)}/report?${REPORT_QUERY}`);
    show(byId('report'), view(r));
    show(status, `report for ${r.model}, last 24 h (the page's telemetry arrives every 10 s; "Send now" in section 6 sends at once)`);
  };
  action(byId<HTMLButtonElement>('report-refresh'), status, async () => {
    await app.client?.flush();
    await refresh();
  });
}
