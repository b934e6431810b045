import { defineConfig } from 'vite';
import { selfContainedWasmWorker } from './src/vite-plugin.js';

// The worker of worker mode: one self-contained ES module (tfjs and the whole SDK inside, lazy
// chunks inlined) so it runs from any URL without an app bundler resolving its imports.
// scripts/build.mjs writes it as dist/worker.js (npm, found from the proxy chunk through
// new URL('./worker.js', import.meta.url)) and copies it to dist/inferscope.worker.js (CDN).
export default defineConfig({
  publicDir: false,
  plugins: [selfContainedWasmWorker()],
  build: {
    outDir: 'dist',
    emptyOutDir: false,
    sourcemap: false,
    target: 'es2022',
    // Not library mode: Vite keeps the whitespace of library ES output (for the pure annotations a
    // downstream bundler tree-shakes with), but this file is what runs, never re-bundled.
    rollupOptions: { input: 'src/worker.ts', output: { format: 'es', entryFileNames: 'worker.js', inlineDynamicImports: true } },
    minify: true,
    modulePreload: false, // no <link rel=modulepreload> helper: a worker has no document
    chunkSizeWarningLimit: 4096, // tfjs is inside: ~1.6 MB by design
  },
});
