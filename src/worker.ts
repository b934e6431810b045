// Entry of the worker script (dist/worker.js for npm, dist/inferscope.worker.js beside the CDN
// bundle): tfjs and the whole direct-mode SDK, answering the page proxy (src/sdk/worker/serve.ts).
//
// This file stays tiny and loads everything else with import(), for two reasons measured in
// Chromium 156 (BENCHMARKS.md `main-thread`, "worker code cache"):
// - V8's code cache: Chromium never keeps one for a module worker's top-level script or its static
//   imports, but does for modules the worker imports dynamically (made on the 2nd visit, used from
//   the 3rd, in a normal profile with Cache-Control or an ETag): compiling the 1.6 MB tfjs + SDK
//   took 150-350 ms on every visit, and 55-75 ms from the cache.
// - The backends the device does not use (webgl, webgpu, cpu), the converter or layers code the
//   model's format does not need, and explain stay lazy chunks (backends.ts, tf-model.ts import()
//   them by name), neither downloaded nor compiled on a visit that does not run them.
// Messages the page posts meanwhile (the client's init call) are held and replayed once serve() listens.
// (The marks are bench/main-thread's worker timeline; src/sdk/mark.ts says why they exist.)
performance.mark('inferscope:worker-script');
const held: MessageEvent[] = [];
const hold = (e: MessageEvent) => { held.push(e); };
addEventListener('message', hold);
import('./sdk/worker/serve.js').then(({ serve }) => {
  performance.mark('inferscope:worker-chunks');
  serve();
  removeEventListener('message', hold);
  for (const e of held) dispatchEvent(new MessageEvent('message', { data: e.data, ports: [...e.ports] }));
}, (err: unknown) => {
  // Thrown from a task, it reaches the page as the Worker's `error` event with this message
  // (e.g. a chunk a bundler did not copy), which WORKER_UNAVAILABLE then names.
  setTimeout(() => { throw err; });
});
