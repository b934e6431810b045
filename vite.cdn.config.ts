import { defineConfig } from 'vite';
import { selfContainedWasmWorker } from './src/vite-plugin.js';

// CDN bundle: one IIFE script (global `InferScope`) with tfjs inside, plus the tfjs WASM
// binaries beside it (copied by scripts/build.mjs, which also prints the SRI hash).
export default defineConfig({
  publicDir: false, // public/ belongs to the demo page
  plugins: [selfContainedWasmWorker()],
  build: {
    outDir: 'dist',
    emptyOutDir: false,
    // No source map: with tfjs inside it is ~20 MB.
    sourcemap: false,
    target: 'es2020',
    lib: {
      entry: 'src/cdn.ts',
      formats: ['iife'],
      name: 'InferScope',
      fileName: () => 'inferscope.iife.js',
    },
    minify: true,
  },
});
