// Page side of "run in a worker": start demo-worker.ts and answer it on a private port (the
// files of a dropped folder it asks for, the telemetry batches it sent). Vite bundles the
// worker from the `new Worker(new URL(...), { type: 'module' })` form below.
import type { ToPage, ToWorker } from './demo-worker.js';
import { droppedFile } from './dropped.js';
import type { SentBatch } from './telemetry-capture.js';

export function startDemoWorker(onBatch: (b: SentBatch) => void): Worker {
  const worker = new Worker(new URL('./demo-worker.ts', import.meta.url), { type: 'module', name: 'inferscope-demo' });
  const { port1, port2 } = new MessageChannel();
  port1.onmessage = (e: MessageEvent<ToPage>) => {
    const m = e.data;
    if ('batch' in m) onBatch(m.batch);
    else port1.postMessage({ id: m.id, file: droppedFile(m.want) ?? null } satisfies ToWorker);
  };
  // Queued before the SDK's first call, so the worker has its port before it fetches anything.
  worker.postMessage({ inferscopeDemoPort: port2 }, [port2]);
  return worker;
}
