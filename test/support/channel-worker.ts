// Worker mode in Node tests: a "worker" that is one end of a MessageChannel, the SDK's worker side
// (serve(), the same code src/worker.ts runs) served on the other. The message layer, transfer
// lists, callbacks and the error wire format are the real ones; only the Worker is a port (and
// tfjs is this process's, shared with direct mode).
import type { ClientOptions } from '../../src/sdk/client.js';
import { serve } from '../../src/sdk/worker/serve.js';

export function channelWorker(local?: Parameters<typeof serve>[1]): Worker {
  const { port1, port2 } = new MessageChannel();
  serve(port2 as never, local);
  return Object.assign(port1, { terminate: () => { port1.close(); port2.close(); } }) as unknown as Worker;
}

// Which suites run in both modes (#14 audit, 2026-12-07). Through createClient in both modes:
//   unit: sdk-load, delivery-client, explain-sdk, worker-mode, sdk-auto, sdk-inputs-invalid,
//   sdk-graph-signatures, mnist-center (the SDK part), worker-start-backend; browser: sdk-backends, explain-telemetry, worker-parity (generated
//   call sequences, results/errors/telemetry compared across modes); e2e: delivery-chromium,
//   delivery-quota-chromium, telemetry-chromium, telemetry-matrix, release-chromium, e2e-pipeline,
//   cdn-bundle, npm-worker, demo-worker, self-test-memory-chromium (worker faults: e2e/fault-worker.ts).
// Direct mode only, and why:
//   - modules below the client (delivery-cache/-manifest/-pipeline/-rollout/-quota/-last-version/
//     -*-chunk, telemetry-delivery/-durable/-outbox/-privacy/-recorder/-unload, explain-ig/-shap/
//     -chain/-importance/-global-importance/-fast-grads/-alert, sketch): no client, no mode; the
//     worker runs these same modules;
//   - tests that pass what cannot cross into a worker: an IDBFactory instance (delivery-node-factory,
//     sdk-warm-overlap, delivery-pipeline), testHooks (sdk-backends unit, sdk-self-test-page,
//     self-test-memory), or that read the page's tfjs engine (tf.memory(), setBackend: sdk-third-party,
//     explain-backends, explain-graph in the browser tier); worker mode's own variants of those
//     paths are worker-mode.test.ts and the browser sdk-backends.
//   - sdk-load-errors-offline, sdk-place-offline: they vi.mock() a lazy chunk of this process, which
//     a channel worker shares, so a worker-mode run would prove nothing more;
//   - sdk-wasm-assets, sdk-self-test-page: not yet parametrised (time).

/** describe.each(MODES): the extra client options of each mode (a fresh worker per client). */
export const MODES: [string, () => Partial<ClientOptions>][] = [
  ['direct', () => ({})],
  ['worker', () => ({ worker: channelWorker(), workerFallback: false })],
];
