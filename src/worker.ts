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
// The page posts init() right after new Worker(), so it arrives while the SDK's chunk is still
// loading. The first backend it lists (when the page lists them) has its chunk requested now, beside
// the SDK's, rather than when init() runs after it (backends.ts imports the same module then, and
// checks what this skips): the warm timeline showed the wasm chunk's import 20-50 ms after init.
// The module names repeat backends.ts's importBackend on purpose: a module both import is bundled
// into the SDK's chunk, and this entry would then import that whole chunk statically (tried: the
// entry began with `import … from "./worker-chunks/main-….js"`), losing the code cache and the preload.
function preloadBackend(e: MessageEvent): void {
  const [, method, args] = Array.isArray(e.data) ? e.data : [];
  const list = method === 'init' ? (args?.[0] as { backends?: unknown } | undefined)?.backends : undefined;
  const first = Array.isArray(list) ? list[0] : undefined;
  const p = first === 'wasm' && typeof WebAssembly === 'object' ? import('@tensorflow/tfjs-backend-wasm')
    : first === 'cpu' ? import('@tensorflow/tfjs-backend-cpu')
      : first === 'webgl' && typeof OffscreenCanvas === 'function' ? import('@tensorflow/tfjs-backend-webgl')
        : first === 'webgpu' && 'gpu' in navigator ? import('@tensorflow/tfjs-backend-webgpu') : null;
  p?.catch(() => {}); // backends.ts's own import reports a failure
}
const hold = (e: MessageEvent) => { if (!held.length) preloadBackend(e); held.push(e); };
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
