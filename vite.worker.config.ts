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
    lib: { entry: 'src/worker.ts', formats: ['es'], fileName: () => 'worker.js' },
    rollupOptions: { output: { inlineDynamicImports: true } },
    minify: true,
  },
});
