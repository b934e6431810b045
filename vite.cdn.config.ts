import { defineConfig, type Plugin } from 'vite';

/**
 * tfjs's threaded WASM backend starts its pthread workers from the emscripten factory's
 * source text (`factory.toString()` in a Blob), so that function must not depend on its
 * closure. It reads one closure variable, `_scriptDir`, behind a `typeof` guard; a minifier
 * that knows the variable is declared drops the guard (and may rename it), and the worker
 * dies with "_scriptDir is not defined" / "e is not defined" while setBackend('wasm') never
 * resolves. tfjs passes the wasm paths through locateFile, so the guard's branch is not
 * needed: remove it before minification. test/e2e/cdn-bundle.test.ts proves the result.
 */
function selfContainedWasmWorker(): Plugin {
  const guard = 'if(typeof _scriptDir !== "undefined" && _scriptDir){scriptDirectory=_scriptDir}';
  return {
    name: 'inferscope:self-contained-wasm-worker',
    transform(code, id) {
      if (!id.includes('tfjs-backend-wasm-threaded-simd.js')) return null;
      if (!code.includes(guard)) this.error(`the _scriptDir guard moved in ${id}: re-check the threaded WASM worker before minifying`);
      return { code: code.replace(guard, ''), map: null };
    },
  };
}

// CDN bundle: one IIFE script (global `InferScope`) with tfjs inside, plus the tfjs WASM
// binaries beside it (copied by scripts/build.mjs, which also prints the SRI hash).
export default defineConfig({
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
