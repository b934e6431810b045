// The evaluation page: wires the panels to one App state. Nothing here knows a model's
// specifics; each panel reads the manifest entry and sample set of the loaded model.
import { initAccuracyPanel } from './accuracy-panel.js';
import { createApp } from './app.js';
import { initCachePanel } from './cache-panel.js';
import { initComparePanel } from './compare-panel.js';
import { loadDemoConfig } from './config.js';
import { byId, show } from './dom.js';
import { initModelPanel } from './model-panel.js';
import { initReleasePanel } from './release-panel.js';
import { initReportPanel } from './report-panel.js';
import { registerServiceWorker } from './service-worker.js';
import { capturingFetch, type SentBatch } from './telemetry-capture.js';
import { telemetryView } from './telemetry-panel.js';
import { initTryPanel } from './try-panel.js';

async function start(): Promise<void> {
  const config = await loadDemoConfig();
  const telemetry = telemetryView();
  const record = (b: SentBatch) => telemetry.record(b);
  const app = createApp(config, record, capturingFetch(record));
  telemetry.init(app);
  initComparePanel(app);
  initAccuracyPanel(app);
  initTryPanel(app);
  initCachePanel(app);
  initReportPanel(app);
  initReleasePanel(app);
  await initModelPanel(app);
  const offline = await registerServiceWorker();
  show(byId('env'),
    `collector: ${config.collectorUrl ?? 'none (telemetry off)'} · cross-origin isolated: ${crossOriginIsolated ? 'yes (threaded WASM)' : 'no'} · ${offline}`);
  document.body.dataset.ready = 'true';
}

start().catch((err) => {
  show(byId('env'), `the page failed to start: ${(err as Error).message}`);
});
