// The demo's worker for "run in a worker": the SDK's own worker side (serve()), given the two
// fetch functions the page uses in direct mode, which cannot be sent to a worker:
//  - model files: URLs of a dropped folder are answered with the page's File objects (a File
//    can cross postMessage; the page keeps them, so each is asked for when tfjs fetches it);
//  - telemetry: every batch is posted back to the page as sent, for section 6.
// The page hands this worker a private MessagePort as its first message (demo-worker-link.ts):
// the worker's own message channel belongs to Comlink.
import { serve } from '../../src/sdk/worker/serve.js';
import { droppedFetchVia } from './dropped-fetch.js';
import { capturingFetch, type SentBatch } from './telemetry-capture.js';

export type ToPage = { batch: SentBatch } | { want: string; id: number };
export type ToWorker = { id: number; file: File | null };

let resolvePort!: (p: MessagePort) => void;
const port = new Promise<MessagePort>((resolve) => { resolvePort = resolve; });
// Registered before serve(): the port message stops here and never reaches Comlink's listener.
self.addEventListener('message', (e: MessageEvent) => {
  const p = (e.data as { inferscopeDemoPort?: MessagePort } | null)?.inferscopeDemoPort;
  if (!p) return;
  e.stopImmediatePropagation();
  resolvePort(p);
});

const asked = new Map<number, (f: File | undefined) => void>();
let nextId = 1;
void port.then((p) => {
  p.onmessage = (e: MessageEvent<ToWorker>) => { asked.get(e.data.id)?.(e.data.file ?? undefined); asked.delete(e.data.id); };
});
const send = (m: ToPage) => void port.then((p) => p.postMessage(m));

const fileFromPage = (path: string) => new Promise<File | undefined>((resolve) => {
  const id = nextId++;
  asked.set(id, resolve);
  send({ want: path, id });
});

serve(self as never, {
  fetch: droppedFetchVia(fileFromPage),
  telemetry: { fetch: capturingFetch((batch) => send({ batch })) },
});
