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

/** describe.each(MODES): the extra client options of each mode (a fresh worker per client). */
export const MODES: [string, () => Partial<ClientOptions>][] = [
  ['direct', () => ({})],
  ['worker', () => ({ worker: channelWorker(), workerFallback: false })],
];
