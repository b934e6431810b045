// Worker mode of the telemetry e2e tests: the same telemetry as telemetry-page.ts starts, run
// in a module worker with the page's events relayed by the SDK's own proxy code
// (forwardPageEvents on the page, relayedPageEvents here) and the open window held by the
// page for its unload send, as createClient({ worker }) wires it.
import { expose } from 'comlink';
import { createTelemetry, type Telemetry, type TelemetryOptions } from '../../src/sdk/telemetry/index.js';
import type { PageInitArgs } from '../../src/sdk/worker/wire.js';
import { relayedPageEvents } from '../../src/sdk/worker/page-events.js';
import { recordSynthetic } from './telemetry-synthetic.js';

let page = relayedPageEvents();
let t: Telemetry | undefined;

const api = {
  start(options: TelemetryOptions, ...[hold, stash, release]: PageInitArgs) {
    page = relayedPageEvents(hold && ((...a) => void hold(...a)), stash && release && { ...stash, release: (ids) => void release(ids) });
    t = createTelemetry({ webVitals: false, ...options, pageEvents: page });
  },
  record(n: number, from = 0, model = 'synthetic', labelChars = 0) { recordSynthetic(t!, n, from, model, labelChars); },
  flush: () => t!.flush(),
  dispose: () => t!.dispose(),
  hidden: () => page.hidden(),
  visible: () => page.visible(),
  online: () => page.online(),
  vital: (...a: Parameters<typeof page.vital>) => page.vital(...a),
  adopt: (stash: Parameters<typeof page.adopt>[0]) => page.adopt(stash),
};
export type TelemetryWorkerApi = typeof api;
expose(api);
