// Worker mode of the telemetry e2e tests: the same telemetry as telemetry-page.ts starts, run
// in a module worker with the page's events relayed by the SDK's own proxy code
// (forwardPageEvents on the page, relayedPageEvents here), as createClient({ worker }) wires it.
import { expose } from 'comlink';
import { createTelemetry, type Telemetry, type TelemetryOptions } from '../../src/sdk/telemetry/index.js';
import { relayedPageEvents } from '../../src/sdk/worker/page-events.js';
import { recordSynthetic } from './telemetry-synthetic.js';

const page = relayedPageEvents();
let t: Telemetry | undefined;

const api = {
  start(options: TelemetryOptions) { t = createTelemetry({ webVitals: false, ...options, pageEvents: page }); },
  record(n: number, from = 0, model = 'synthetic', labelChars = 0) { recordSynthetic(t!, n, from, model, labelChars); },
  flush: () => t!.flush(),
  dispose: () => t!.dispose(),
  hidden: () => page.hidden(),
  visible: () => page.visible(),
  online: () => page.online(),
  vital: page.vital,
};
export type TelemetryWorkerApi = typeof api;
expose(api);
