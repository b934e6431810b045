import { defineConfig, type Plugin } from 'vite';
import { selfContainedWasmWorker } from './src/vite-plugin.js';

// The worker of worker mode, in two forms (scripts/build.mjs builds both, INFERSCOPE_WORKER=single
// selects the second):
// - CDN, dist/inferscope.worker.js: a tiny ES module entry (src/worker.ts) that import()s the rest
//   from dist/worker-chunks/ beside it: tfjs-core + the SDK, each backend, each model format and
//   explain in chunks of their own. Why (V8 code cache, lazy backends): src/worker.ts.
// - npm, dist/worker.js: one self-contained file (lazy chunks inlined), found from the proxy chunk
//   through new URL('./worker.js', import.meta.url). Vite and webpack 5 copy a file named that way
//   as one asset without following its imports, and Rollup leaves the app to copy it: a chunked
//   worker would lose its chunks there. Apps that serve dist/ as is can point `worker` at
//   inferscope.worker.js to get the chunked form.
// A few chunks, not one per import(): each is one more module fetch on the warm path. What every
// load needs (tfjs-core, the SDK, its small lazy parts) is `main`; each backend, model format and
// explain is its own. Vite's dynamic-import helper (plainImport) gets a chunk of its own: were it in
// the entry, every chunk would import the entry back (and twice, were the entry copied elsewhere).
// The cpu backend's shared kernel code (also used by wasm, webgl, webgpu) is left to the bundler.
// Dependencies are not pulled into a group (a backend's group would take tfjs-core with it).
const group = (name: string, test: RegExp | ((id: string) => boolean), priority: number) => ({ name, test, priority });
const codeSplitting = {
  includeDependenciesRecursively: false,
  groups: [
    group('preload-helper', /preload-helper/, 9),
    group('explain', /[\\/]src[\\/]sdk[\\/]explain[\\/]/, 8),
    ...['webgl', 'webgpu', 'wasm'].map((b) => group(b, new RegExp(`@tensorflow[\\\\/]tfjs-backend-${b}[\\\\/]`), 7)),
    group('converter', /@tensorflow[\\/]tfjs-converter[\\/]/, 7),
    group('layers', /@tensorflow[\\/]tfjs-layers[\\/]/, 7),
    group('main', (id: string) => !/@tensorflow[\\/]tfjs-backend-cpu[\\/]|[\\/]src[\\/]worker\.ts$/.test(id), 1),
  ],
};

const single = process.env.INFERSCOPE_WORKER === 'single';

// Vite wraps each import() in a helper that preloads CSS through `document` and, when the import
// fails, reports it on `window`: in a worker that throws "window is not defined" and hides which
// chunk was missing. A worker has nothing to preload, so the helper is a plain call here.
const plainImport: Plugin = {
  name: 'inferscope:worker-plain-import',
  enforce: 'pre',
  resolveId: (id) => (id === '\0vite/preload-helper.js' ? id : null),
  load: (id) => (id === '\0vite/preload-helper.js' ? 'export const __vitePreload = (load) => load();' : null),
};

export default defineConfig({
  publicDir: false,
  plugins: [plainImport, selfContainedWasmWorker()],
  build: {
    outDir: 'dist',
    emptyOutDir: false,
    sourcemap: false,
    target: 'es2022',
    // Not library mode: Vite keeps the whitespace of library ES output (for the pure annotations a
    // downstream bundler tree-shakes with), but these files are what runs, never re-bundled.
    rollupOptions: {
      input: 'src/worker.ts',
      output: single
        ? { format: 'es', entryFileNames: 'worker.js', codeSplitting: false }
        : { format: 'es', entryFileNames: 'inferscope.worker.js', chunkFileNames: 'worker-chunks/[name]-[hash].js', codeSplitting },
    },
    minify: true,
    modulePreload: false, // no <link rel=modulepreload> helper: a worker has no document
    chunkSizeWarningLimit: 4096, // tfjs inside: ~1.6 MB (single), ~0.4 MB for the main chunk, by design
  },
});
