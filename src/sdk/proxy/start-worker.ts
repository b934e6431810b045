// Starting the worker and knowing why it did not start. A module worker that fails to load
// (404, HTML served instead of JavaScript, blocked by Content-Security-Policy) only fires a bare
// `error` event: the browser gives no reason. So the page listens for a CSP violation naming the
// URL while it starts, and diagnose.ts (loaded only on failure) says what came back.
import type { DeliveryEvent } from '../delivery/types.js';
import { InferScopeError } from '../errors.js';
import type { PageInitArgs, PassInitArgs, WorkerClientOptions } from '../worker/wire.js';
import { connect, type Rpc } from './rpc.js';

/** `close(reason)`: calls still waiting reject with `reason`, and the worker stops. */
export interface Started { rpc: Rpc; close(reason: unknown): void; telemetryUrl?: string }

export const unavailable = (url: string, reason: string, cause?: unknown) =>
  new InferScopeError('WORKER_UNAVAILABLE', `the InferScope worker ${url} did not start: ${reason}`, { cause: cause ?? { url, reason } });

/** Start `spec` (a URL, or a Worker the app made) and initialize its client; WORKER_UNAVAILABLE when it cannot run. */
export async function startWorker(spec: Worker | string, options: WorkerClientOptions, onEvent?: (e: DeliveryEvent) => void, page: PageInitArgs = [], [passes, savePass]: PassInitArgs = []): Promise<Started> {
  const url = typeof spec === 'string' ? spec : 'passed in options.worker';
  const csp: string[] = [];
  const onCsp = (e: SecurityPolicyViolationEvent) => { if (typeof spec !== 'string' || spec.startsWith(e.blockedURI)) csp.push(e.effectiveDirective); };
  const doc = typeof document === 'undefined' ? null : document;
  doc?.addEventListener('securitypolicyviolation', onCsp);
  let worker: Worker;
  try {
    worker = typeof spec === 'string' ? new Worker(spec, { type: 'module', name: 'inferscope' }) : spec;
    performance.mark('inferscope:worker-created'); // bench/main-thread's timeline (src/sdk/mark.ts)
  } catch (err) {
    doc?.removeEventListener('securitypolicyviolation', onCsp);
    throw unavailable(url, `new Worker() threw ${(err as Error).name}: ${(err as Error).message}`, err);
  }
  const rpc = connect(worker);
  let onError!: (e: Event) => void;
  const failed = new Promise<never>((_, reject) => { onError = (e) => { e.preventDefault(); reject(e); }; });
  worker.addEventListener('error', onError);
  try {
    // The page's telemetry callbacks (page-telemetry.ts) become functions the worker can call.
    const args = page.map((a) => (typeof a === 'function' ? rpc.fn(a) : a)) as PageInitArgs;
    const telemetryUrl = await Promise.race([rpc.remote.init(options, onEvent && rpc.fn(onEvent), passes, savePass && rpc.fn(savePass), ...args), failed]);
    performance.mark('inferscope:worker-ready');
    return { rpc, telemetryUrl, close: (reason) => { rpc.close(reason); worker.terminate(); } };
  } catch (err) {
    rpc.close(err);
    worker.terminate();
    if (!(err instanceof Event)) throw err; // the worker ran and refused the options: the caller's error
    throw unavailable(url, await (await import('./diagnose.js')).diagnose(url, err, csp));
  } finally {
    worker.removeEventListener('error', onError);
    doc?.removeEventListener('securitypolicyviolation', onCsp);
  }
}
