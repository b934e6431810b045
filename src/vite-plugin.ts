/**
 * `inferscope/vite`: the Vite plugin an app needs to keep tfjs's threaded WASM backend working
 * in a minified production build.
 *
 * tfjs starts its pthread workers from the emscripten factory's source text
 * (`factory.toString()` in a Blob), so that function must not depend on its closure. It reads one
 * closure variable, `_scriptDir`, behind a `typeof` guard; a minifier that knows the variable is
 * declared drops the guard (and may rename it), and the worker dies with "_scriptDir is not
 * defined" / "e is not defined" while setBackend('wasm') never resolves. tfjs passes the .wasm
 * paths through locateFile, so the guarded branch is not needed: the plugin removes it.
 * Without the plugin the SDK notices the hang and falls back to single-threaded WASM after
 * `initTimeoutMs`. Proven in Chromium by test/e2e/cdn-bundle.test.ts and sdk-bundle.test.ts.
 *
 * @example
 * // vite.config.ts
 * import { defineConfig } from 'vite';
 * import { selfContainedWasmWorker } from 'inferscope/vite';
 * export default defineConfig({ plugins: [selfContainedWasmWorker()] });
 */
import type { Plugin } from 'vite';

const GUARD = 'if(typeof _scriptDir !== "undefined" && _scriptDir){scriptDirectory=_scriptDir}';

export function selfContainedWasmWorker(): Plugin {
  return {
    name: 'inferscope:self-contained-wasm-worker',
    transform(code, id) {
      if (!id.includes('tfjs-backend-wasm-threaded-simd.js')) return null;
      if (!code.includes(GUARD)) this.error(`the _scriptDir guard moved in ${id}: re-check tfjs's threaded WASM worker before minifying`);
      return { code: code.replace(GUARD, ''), map: null };
    },
  };
}
