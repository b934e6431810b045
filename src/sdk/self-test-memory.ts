// A remembered self-test pass. The known-answer self-test (self-test.ts) holds the main thread for
// ~4 ms on every load while IndexedDB delivers the model's bytes (BENCHMARKS.md "load"); its answer
// depends only on the browser build, the GPU behind the backend and the tfjs kernels, so a pass on
// this device is kept for SELF_TEST_MEMORY_MS under a key naming exactly those: backend name +
// navigator.userAgent + (webgl, webgpu) the renderer or adapter identity + tfjs's version. Any of
// them changes (browser or driver update, new SDK build with another tfjs), the key differs and the
// test runs again.
//
// Only passes are stored. A failed self-test removes the entry, and so does a backend that later
// fails where it counts (building or warming up the model, predict's failover, a timed run of
// 'auto' or 'fastest': choose-backend.ts, model.ts, auto-pass.ts, place.ts), so the next load tests it again. Where a webgl/webgpu backend cannot name its GPU,
// nothing is remembered.
//
// localStorage, because it answers synchronously (an IndexedDB open would cost what the self-test
// costs). A worker has none: in worker mode the page hands its entries to the worker at start and
// writes back every pass recorded or removed there (worker-passes.ts, proxy/page-passes.ts); the key
// is still computed here, from the worker's own user agent, GPU and tfjs. Node has none: the
// self-test runs on every load there.
import * as tf from '@tensorflow/tfjs-core';
import type { BackendName } from '../protocol/wire-types.js';

/** How long a pass is trusted: 7 days. */
export const SELF_TEST_MEMORY_MS = 7 * 24 * 3600_000;

export const PREFIX = 'inferscope:selftest:';

/** Where passes are kept: localStorage, or in a worker the page's copy (worker-passes.ts). */
export type PassStore = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export interface PassIdentity { backend: BackendName; userAgent: string; gpu: string; tfjs: string }

/** What a pass is valid for, as one string (JSON keeps the parts apart whatever they contain). */
export const identityKey = (p: PassIdentity): string => JSON.stringify([p.backend, p.userAgent, p.gpu, p.tfjs]);

/** The stored value for a pass of `identity` at `now`. */
export const passValue = (identity: string, now: number): string => JSON.stringify({ identity, at: now });

/**
 * Whether `stored` (localStorage's text, or null) is a pass for `identity` that has not expired at
 * `now`. Anything else (another identity, expired, from the future, unparsable) is no pass.
 */
export function isRememberedPass(stored: string | null, identity: string, now: number): boolean {
  try {
    const v = JSON.parse(stored ?? 'null') as { identity?: unknown; at?: unknown } | null;
    if (!v || v.identity !== identity || typeof v.at !== 'number') return false;
    const age = now - v.at;
    return age >= 0 && age < SELF_TEST_MEMORY_MS;
  } catch {
    return false;
  }
}

const local = (): PassStore | undefined => {
  try { return (globalThis as { localStorage?: Storage }).localStorage; } catch { return undefined; } // sandboxed: throws
};

/** webgl: the (unmasked where allowed) vendor, renderer and GL version; webgpu: the adapter's info. */
function gpuOf(backend: BackendName): string {
  const b = tf.engine().registry[backend] as unknown as Record<string, any> | undefined;
  if (backend === 'webgl') {
    const gl = b?.gpgpu?.gl as WebGLRenderingContext | undefined;
    if (!gl) return '';
    const get = (p: number) => String(gl.getParameter(p) ?? '');
    // Chromium masks RENDERER ('WebKit WebGL') and names the GPU through WEBGL_debug_renderer_info;
    // Firefox names it in RENDERER and warns that the extension is deprecated.
    const ext = /^WebKit/.test(get(gl.RENDERER)) ? gl.getExtension('WEBGL_debug_renderer_info') : null;
    return [ext ? ext.UNMASKED_VENDOR_WEBGL : gl.VENDOR, ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER, gl.VERSION].map(get).join('|');
  }
  const info = (b?.device?.adapterInfo ?? b?.adapterInfo) as Record<string, unknown> | undefined;
  const parts = ['vendor', 'architecture', 'device', 'description'].map((k) => String(info?.[k] ?? ''));
  return parts.some(Boolean) ? parts.join('|') : '';
}

/** This page's identity for `backend` (initialized), or null where a pass cannot be remembered. */
export function identityOf(backend: BackendName, store = local()): string | null {
  const userAgent = (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent;
  if (!userAgent || !store) return null;
  let gpu = '';
  if (backend === 'webgl' || backend === 'webgpu') {
    try { gpu = gpuOf(backend); } catch { gpu = ''; }
    if (!gpu) return null;
  }
  return identityKey({ backend, userAgent, gpu, tfjs: tf.version_core });
}

/** Whether `backend` passed its self-test here (same identity) within SELF_TEST_MEMORY_MS. */
export function rememberedPass(backend: BackendName, store = local(), now = Date.now()): boolean {
  const identity = identityOf(backend, store);
  try { return !!identity && isRememberedPass(store!.getItem(PREFIX + backend), identity, now); } catch { return false; }
}

export function rememberPass(backend: BackendName, store = local(), now = Date.now()): void {
  const identity = identityOf(backend, store);
  try { if (identity) store!.setItem(PREFIX + backend, passValue(identity, now)); } catch { /* full or disabled: tested next time */ }
}

export function forgetPass(backend: BackendName, store = local()): void {
  try { store?.removeItem(PREFIX + backend); } catch { /* disabled: nothing stored */ }
}
