// What this runtime can do, detected once per client into a frozen object
// (transformers.js env.js style) so the rest of the SDK branches on data, not on globals.
// No DOM assumption: every probe is a typeof check that is false in Node and in Workers
// where the API is missing.

export interface Capabilities {
  /** navigator.gpu exists. Importing the WebGPU backend without it crashes some browsers. */
  webgpu: boolean;
  /** A canvas a WebGL2 context can come from (document or OffscreenCanvas). */
  webgl: boolean;
  wasm: boolean;
  /** SharedArrayBuffer usable: required for threaded WASM (COOP/COEP headers). */
  crossOriginIsolated: boolean;
  /** fetch() can read relative URLs (there is a page or worker location). */
  hasLocation: boolean;
}

export function detectCapabilities(g: typeof globalThis = globalThis): Capabilities {
  const nav = (g as { navigator?: { gpu?: unknown } }).navigator;
  const hasDocument = typeof (g as { document?: unknown }).document !== 'undefined';
  return Object.freeze({
    webgpu: nav != null && nav.gpu != null,
    webgl: hasDocument || typeof (g as { OffscreenCanvas?: unknown }).OffscreenCanvas !== 'undefined',
    wasm: typeof (g as { WebAssembly?: unknown }).WebAssembly === 'object',
    crossOriginIsolated: (g as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
    hasLocation: typeof (g as { location?: { href?: string } }).location?.href === 'string',
  });
}
