// Backend readiness: import the tfjs backend module lazily (only where it can run), initialize
// it with a timeout, and run the known-answer self-test. A backend that is not usable is a
// value with a reason, not an exception. ASSET_INVALID (bad self-hosted .wasm files) is a
// deployment error the site owner must see: its reason starts with the code, and when no
// backend works at all, load() throws with that code (see noBackendError).
import * as tf from '@tensorflow/tfjs-core';
import type { BackendName } from '../protocol/wire-types.js';
import type { Capabilities } from './capabilities.js';
import { exclusive, onBackend } from './engine-gate.js';
import { InferScopeError, isInferScopeError } from './errors.js';
import { mark } from './mark.js';
import type { PassStore } from './self-test-memory.js';

export const DEFAULT_BACKENDS: readonly BackendName[] = Object.freeze(['webgpu', 'wasm', 'webgl', 'cpu']);

/** `note`: the backend works, degraded (recorded in model.fallbacks). */
export type Readiness = { ok: true; note?: string } | { ok: false; reason: string };

/** Test hooks (not public API): make a backend fail its self-test or hang its init; `timing`:
 *  ms added to each run that 'auto' times on a backend, or 'throw' to make those runs fail;
 *  `onSelfTest`: told as a self-test starts. */
export interface BackendTestHooks { corruptSelfTest?: BackendName[]; hangInit?: BackendName[]; timing?: Partial<Record<BackendName, number | 'throw'>>; onSelfTest?: (name: BackendName) => void }

export interface BackendContext {
  caps: Capabilities;
  assetsUrl?: string;
  initTimeoutMs: number;
  selfTest: boolean;
  /** Remember a self-test pass on this device (self-test-memory.ts); false with `idbFactory: false`;
   *  in a worker, the page's copy of the passes (worker/worker-passes.ts) instead of localStorage. */
  remember?: boolean | PassStore;
  fetch: typeof fetch;
  hooks?: BackendTestHooks;
}

function unavailableReason(name: BackendName, caps: Capabilities): string | null {
  if (name === 'webgpu' && !caps.webgpu) return 'navigator.gpu is missing: WebGPU is not available here';
  if (name === 'webgl' && !caps.webgl) return 'no canvas (document or OffscreenCanvas) for a WebGL context';
  if (name === 'wasm' && !caps.wasm) return 'WebAssembly is not available here';
  return null;
}

// Each import() names its module literally so bundlers split them into lazy chunks.
function importBackend(name: BackendName): Promise<unknown> {
  switch (name) {
    case 'webgpu': return import('@tensorflow/tfjs-backend-webgpu');
    // The asset checks ride along with the wasm backend: pages that never run wasm skip both.
    case 'wasm': return Promise.all([import('@tensorflow/tfjs-backend-wasm'), import('./wasm-assets.js')]);
    case 'webgl': return import('@tensorflow/tfjs-backend-webgl');
    case 'cpu': return import('@tensorflow/tfjs-backend-cpu');
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), ms); });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function initialize(name: BackendName, ctx: BackendContext): Promise<Readiness> {
  const missing = unavailableReason(name, ctx.caps);
  if (missing) return { ok: false, reason: missing };
  let mod: unknown;
  try {
    mod = await importBackend(name);
  } catch (err) {
    return { ok: false, reason: `could not import the ${name} backend: ${(err as Error).message}` };
  }
  mark('backend-imported');
  if (ctx.hooks?.hangInit?.includes(name)) {
    // Test hook: an init that never settles, to prove the timeout (tfjs is not touched).
    await withTimeout(new Promise<never>(() => {}), ctx.initTimeoutMs);
    return { ok: false, reason: `initialization timed out after ${ctx.initTimeoutMs} ms` };
  }
  // Not tf.findBackend(): it starts initializing a registered backend as a side effect, with
  // tfjs's default asset paths, before the WASM files could be checked.
  if (tf.engine().registry[name] != null) return { ok: true }; // initialized earlier on this page
  if (tf.findBackendFactory(name) == null) {
    return { ok: false, reason: `the ${name} backend was removed from tfjs on this page after an earlier failure` };
  }
  const [wasmMod, assets] = (name === 'wasm' ? mod : []) as [typeof import('@tensorflow/tfjs-backend-wasm')?, typeof import('./wasm-assets.js')?];
  const wasmOptions = { assetsUrl: ctx.assetsUrl, caps: ctx.caps, fetch: ctx.fetch };
  const setup = assets ? await assets.setupWasm(wasmMod!, wasmOptions) : null;
  try {
    const result = await start(name, ctx.initTimeoutMs);
    // A hung threaded WASM init gets one single-threaded try (wasm-assets.ts, which says why).
    const note = result === 'timeout' && setup?.threads && await assets!.startSingleThreaded(wasmMod!, wasmOptions, () => start(name, ctx.initTimeoutMs), ctx.initTimeoutMs);
    if (note) return { ok: true, note };
    if (result === 'timeout') {
      // Drop the hung init so the engine does not wait on it forever (tfjs makes the pending
      // promise obsolete in removeBackend); this backend stays unavailable on this page.
      try { tf.removeBackend(name); } catch { /* already gone */ }
      return { ok: false, reason: `initialization timed out after ${ctx.initTimeoutMs} ms` };
    }
    if (result instanceof Error) return { ok: false, reason: `initialization failed: ${result.message}` };
    if (!result) return { ok: false, reason: 'initialization failed (tfjs setBackend returned false)' };
    return { ok: true };
  } finally {
    setup?.release();
  }
}

function start(name: BackendName, ms: number): Promise<boolean | Error | 'timeout'> {
  return withTimeout(tf.setBackend(name).catch((err: Error) => err), ms);
}

// Self-test verdicts per initialized backend instance (tfjs keeps one per name per page): every
// client and model on the page shares one passing run; a re-created backend is tested again. A
// failing or throwing run is not kept, so the next load tests again.
const passed = new WeakMap<object, Promise<string | null>>();

function selfTestOnce(name: BackendName, corrupt: boolean, hooks?: BackendTestHooks): Promise<string | null> {
  hooks?.onSelfTest?.(name);
  const instance = tf.engine().registry[name];
  // Its own chunk: a warm visit with a remembered pass never downloads it.
  const run = (bad: boolean) => import('./self-test.js').then((m) => onBackend(name, () => m.selfTest(bad)));
  if (corrupt || !instance) return run(corrupt); // test hook: never shared
  let p = passed.get(instance);
  if (!p) {
    const mine = (p = run(false));
    const drop = () => { if (passed.get(instance) === mine) passed.delete(instance); };
    mine.then((wrong) => { if (wrong) drop(); }, drop);
    passed.set(instance, mine);
  }
  return p;
}

/**
 * Make `name` ready: imported, initialized (bounded by initTimeoutMs) and self-tested (once per page,
 * and not at all while a pass is remembered on this device: self-test-memory.ts).
 * Memoized per client in `cache`; a failed attempt is remembered too, because re-running a
 * hung GPU init would hang again. `after`: the self-test (milliseconds of main thread, run in
 * the call in a browser) starts only once it settles, see prestart in place.ts.
 */
export function ensureBackend(name: BackendName, ctx: BackendContext, cache: Map<BackendName, Promise<Readiness>>, after?: Promise<unknown>): Promise<Readiness> {
  let p = cache.get(name);
  if (!p) {
    // A pass remembered on this device skips the self-test (self-test-memory.ts says when);
    // its chunk loads alongside the backend's own.
    const memory = ctx.selfTest && ctx.remember ? import('./self-test-memory.js').catch(() => null) : null;
    p = (async (): Promise<Readiness> => {
      const init = await exclusive(() => initialize(name, ctx));
      if (init.ok) mark('backend-ready'); // wasm: its binary compiled and instantiated
      if (!init.ok || !ctx.selfTest) return init;
      const corrupt = ctx.hooks?.corruptSelfTest?.includes(name) ?? false;
      const m = await memory;
      const store = storeOf(ctx);
      if (!corrupt && m?.rememberedPass(name, store)) return init;
      await after;
      const wrong = await selfTestOnce(name, corrupt, ctx.hooks);
      mark('self-test');
      if (wrong) m?.forgetPass(name, store); else m?.rememberPass(name, store);
      return wrong ? { ok: false, reason: wrong } : init;
    })().catch((err: unknown): Readiness => {
      // Not remembered: the site may fix its files, and the next load should look again.
      if (isInferScopeError(err)) { cache.delete(name); return { ok: false, reason: `${err.code}: ${err.message}` }; }
      return { ok: false, reason: `unexpected failure: ${(err as Error).message}` };
    });
    cache.set(name, p);
  }
  return p;
}

/** `name` failed at load, warm-up or predict: a pass remembered for it no longer holds. */
export function forgetSelfTest(name: BackendName, ctx: BackendContext): void {
  if (ctx.remember) import('./self-test-memory.js').then((m) => m.forgetPass(name, storeOf(ctx)), () => {});
}

/** The store ctx names; undefined = the default (localStorage where there is one). */
const storeOf = (ctx: BackendContext): PassStore | undefined => (typeof ctx.remember === 'object' ? ctx.remember : undefined);

export function assertBackendNames(names: readonly string[]): asserts names is BackendName[] {
  const bad = names.filter((n) => !DEFAULT_BACKENDS.includes(n as BackendName));
  if (bad.length || names.length === 0) {
    throw new InferScopeError('BACKEND_UNAVAILABLE', `backends must be a non-empty list of ${DEFAULT_BACKENDS.join(', ')}; got ${JSON.stringify(names)}`);
  }
}
