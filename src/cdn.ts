// Entry of the CDN bundle dist/inferscope.iife.js (global `InferScope`). tfjs is bundled
// in; the .wasm files sit beside the script, and assetsUrl defaults to that folder.
import { createClient as create, type ClientOptions, type Client } from './sdk/client.js';

export { InferScopeError, isInferScopeError } from './sdk/errors.js';

// document.currentScript is only set while the script itself runs, so read it now.
const scriptBase: string | undefined = (() => {
  const src = typeof document !== 'undefined' ? (document.currentScript as HTMLScriptElement | null)?.src : undefined;
  return src ? new URL('./', src).href : undefined;
})();

/** createClient with assetsUrl defaulting to the folder the script was loaded from, and
 *  `worker: true` meaning inferscope.worker.js from that folder too. */
export function createClient(options: ClientOptions = {}): Client {
  const worker = options.worker === true && scriptBase ? `${scriptBase}inferscope.worker.js` : options.worker;
  return create({ assetsUrl: scriptBase, ...options, worker });
}
