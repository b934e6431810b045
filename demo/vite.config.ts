// The evaluation page: `vite build --config demo/vite.config.ts` writes demo-dist/; `npm start`
// builds it when stale and serves it with `vite preview` beside the collector.
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';
import { demoServerPlugin } from './server-plugin.js';

const here = fileURLToPath(new URL('.', import.meta.url));

// Threaded WASM needs SharedArrayBuffer, which browsers give only cross-origin isolated pages.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  root: here,
  publicDir: fileURLToPath(new URL('../public', import.meta.url)),
  plugins: [demoServerPlugin()],
  server: { headers: isolation },
  preview: { headers: isolation },
  build: {
    outDir: fileURLToPath(new URL('../demo-dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // tfjs builds its threaded-WASM worker from a function's source text; a minified bundle
    // breaks it ("e is not defined", setBackend('wasm') never resolves). See DESIGN.md traps.
    minify: false,
    chunkSizeWarningLimit: 8000,
    rollupOptions: {
      input: {
        index: fileURLToPath(new URL('index.html', import.meta.url)),
        e2e: fileURLToPath(new URL('e2e.html', import.meta.url)),
      },
    },
  },
  worker: { format: 'es' },
});
