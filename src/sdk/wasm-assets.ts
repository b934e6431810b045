// Self-hosted WASM files for the tfjs wasm backend. The SDK fetches the one binary tfjs
// will use, checks that it IS WebAssembly (a misconfigured server commonly answers a
// missing .wasm with its SPA's index.html), and hands tfjs the verified bytes as a blob
// URL so nothing is downloaded twice.
import * as tf from '@tensorflow/tfjs-core';
import { InferScopeError } from './errors.js';
import type { Capabilities } from './capabilities.js';
import { mark } from './mark.js';

type WasmModule = typeof import('@tensorflow/tfjs-backend-wasm');

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d]; // "\0asm"
const FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'] as const;

export interface WasmSetup { threads: boolean; file: string; url: string | null; release(): void }

/** Which binary tfjs will pick, after switching threads off where they cannot work. */
export async function chooseWasmFile(caps: Capabilities): Promise<{ file: string; threads: boolean }> {
  // Threaded WASM needs SharedArrayBuffer, which browsers only give cross-origin isolated
  // pages (COOP/COEP). tfjs's own probe can say yes in some non-isolated contexts.
  if (!caps.crossOriginIsolated) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  const [simd, threads] = await Promise.all([
    tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
    tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'),
  ]);
  const file = simd && threads ? FILES[2] : simd ? FILES[1] : FILES[0];
  return { file, threads: Boolean(simd && threads) };
}

function isFetchable(url: string, caps: Capabilities): boolean {
  return /^(https?|blob|data):/i.test(url) || caps.hasLocation;
}

function describe(bytes: Uint8Array, contentType: string | null): string {
  const head = new TextDecoder().decode(bytes.subarray(0, 60)).replace(/\s+/g, ' ').trim();
  const looksHtml = /^<(!doctype|html|head|body)/i.test(head);
  return `${looksHtml ? 'an HTML page' : contentType ?? 'unknown content'} (${bytes.length} bytes, starting ${JSON.stringify(head.slice(0, 40))})`;
}

/** Fetch and verify `assetsUrl + file`; throws ASSET_INVALID naming the URL and what came back. */
export async function fetchVerifiedWasm(url: string, fetchFn: typeof fetch): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetchFn(url, { credentials: 'same-origin' });
  } catch (cause) {
    throw new InferScopeError('ASSET_INVALID', `Could not fetch the WASM file ${url}: ${(cause as Error).message}. Check assetsUrl.`, { cause });
  }
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (!res.ok) {
    throw new InferScopeError('ASSET_INVALID', `WASM file ${url} answered HTTP ${res.status}; got ${describe(bytes, res.headers.get('content-type'))}. Serve @tensorflow/tfjs-backend-wasm/dist/*.wasm under assetsUrl.`);
  }
  if (bytes.length < 8 || WASM_MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new InferScopeError('ASSET_INVALID', `Expected WebAssembly at ${url} but got ${describe(bytes, res.headers.get('content-type'))}. Serve @tensorflow/tfjs-backend-wasm/dist/*.wasm under assetsUrl.`);
  }
  return bytes;
}

/**
 * Point tfjs at the WASM files before its first init. With `assetsUrl` over http(s) (or any
 * URL in a browser) the chosen binary is verified; a bare file-system path (Node) is handed
 * to tfjs as is, since emscripten reads it from disk there.
 */
export async function setupWasm(mod: WasmModule, options: { assetsUrl?: string; caps: Capabilities; fetch: typeof fetch }): Promise<WasmSetup> {
  const { assetsUrl, caps, fetch: fetchFn } = options;
  const { file, threads } = await chooseWasmFile(caps);
  if (assetsUrl == null) return { threads, file, url: null, release() {} };
  const prefix = assetsUrl.endsWith('/') ? assetsUrl : `${assetsUrl}/`;
  if (!isFetchable(prefix, caps)) {
    mod.setWasmPaths(prefix);
    return { threads, file, url: prefix + file, release() {} };
  }
  const url = new URL(prefix + file, caps.hasLocation ? globalThis.location.href : undefined).href;
  const bytes = await fetchVerifiedWasm(url, fetchFn);
  mark('wasm-fetched');
  const blobUrl = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'application/wasm' }));
  const map = Object.fromEntries(FILES.map((f) => [f, f === file ? blobUrl : prefix + f]));
  // Without a page (Node), emscripten would read the blob URL from disk; tfjs's
  // platform fetch reads it instead.
  mod.setWasmPaths(map, !caps.hasLocation);
  return { threads, file, url, release: () => URL.revokeObjectURL(blobUrl) };
}

/**
 * Threaded WASM starts its workers from the emscripten factory's source text; a minified app
 * bundle breaks that ("e is not defined" in the worker) and init hangs. Run single-threaded
 * instead of losing the backend (see README: bundlers). `start` is backends.ts's bounded
 * setBackend. Returns the note for model.fallbacks, or null when single-threaded fails too.
 */
export async function startSingleThreaded(mod: WasmModule, options: Parameters<typeof setupWasm>[1], start: () => Promise<boolean | Error | 'timeout'>, ms: number): Promise<string | null> {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  const single = await setupWasm(mod, options);
  try {
    return (await start()) === true ? `threaded WASM did not start within ${ms} ms (a minified bundle breaks its worker); running single-threaded` : null;
  } finally { single.release(); }
}
