// Node tier: the remembered self-test pass (src/sdk/self-test-memory.ts). The key and expiry as
// generated cases; then through createClient with a localStorage double and a user agent (Node
// has neither): a remembered pass skips the self-test, anything else runs it, and a backend that
// fails its self-test, its warm-up or a prediction loses the pass it had.
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { createClient } from '../../src/index.js';
import type { BackendName } from '../../src/protocol/wire-types.js';
import { pagePasses } from '../../src/sdk/proxy/page-passes.js';
import { workerPasses } from '../../src/sdk/worker/worker-passes.js';
import { identityKey, isRememberedPass, passValue, SELF_TEST_MEMORY_MS, type PassIdentity } from '../../src/sdk/self-test-memory.js';
import { ensureFixtures } from '../support/fixtures.js';
import { REPO_ROOT, serveStatic, type StaticServer } from '../support/fixtures-server.js';

const BACKENDS: BackendName[] = ['webgpu', 'wasm', 'webgl', 'cpu'];
const identity = fc.record({ backend: fc.constantFrom(...BACKENDS), userAgent: fc.string(), gpu: fc.string(), tfjs: fc.string() });
const time = fc.integer({ min: 0, max: 4e12 });

describe('key and expiry (generated)', () => {
  test('a pass holds for its own identity from the moment it was stored until SELF_TEST_MEMORY_MS later', () => {
    fc.assert(fc.property(identity, time, fc.integer({ min: 0, max: SELF_TEST_MEMORY_MS - 1 }), (id, at, age) => {
      expect(isRememberedPass(passValue(identityKey(id), at), identityKey(id), at + age)).toBe(true);
    }));
  });

  test('expired, or stored in the future (clock set back): no pass', () => {
    fc.assert(fc.property(identity, time, fc.oneof(fc.integer({ min: SELF_TEST_MEMORY_MS, max: 1e12 }), fc.integer({ min: -1e12, max: -1 })), (id, at, age) => {
      expect(isRememberedPass(passValue(identityKey(id), at), identityKey(id), at + age)).toBe(false);
    }));
  });

  test('a different backend, user agent, GPU/renderer or tfjs version is a different key: no pass', () => {
    const part = fc.constantFrom<keyof PassIdentity>('backend', 'userAgent', 'gpu', 'tfjs');
    fc.assert(fc.property(identity, identity, part, time, (a, other, k, at) => {
      const b = { ...a, [k]: other[k] };
      fc.pre(b[k] !== a[k]);
      expect(identityKey(b)).not.toBe(identityKey(a));
      expect(isRememberedPass(passValue(identityKey(a), at), identityKey(b), at)).toBe(false);
    }));
  });

  test('any stored value that is not exactly a pass record for this identity (corrupted, other shapes, text) is no pass', () => {
    const corrupt = fc.oneof(
      fc.string(), // any text, most of it not JSON
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.record({ identity: fc.jsonValue(), at: fc.jsonValue() }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
    );
    fc.assert(fc.property(identity, corrupt, time, (id, stored, now) => {
      const key = identityKey(id);
      let v: { identity?: unknown; at?: unknown } | null = null;
      try { v = JSON.parse(stored); } catch { /* not JSON */ }
      fc.pre(!(v && typeof v === 'object' && v.identity === key && typeof v.at === 'number'));
      expect(isRememberedPass(stored, key, now)).toBe(false);
    }), { numRuns: 500 });
  });
});

describe('through createClient (localStorage double, a browser user agent)', () => {
  const WASM_DIR = join(REPO_ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist/');
  const X = [[0.5, -1, 2, 0.25]];
  let server: StaticServer;
  const url = (name: string) => `${server.url}/.tmp/fixtures/${name}/model.json`;
  let store: Map<string, string>;
  const UA = 'Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0.0.0 Safari/537.36';

  beforeAll(async () => { await ensureFixtures(); server = await serveStatic(); });
  afterAll(() => server.close());
  beforeEach(() => {
    store = new Map();
    vi.stubGlobal('localStorage', {
      getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, String(v)),
      removeItem: (k: string) => void store.delete(k), clear: () => store.clear(), key: (i: number) => [...store.keys()][i] ?? null,
      get length() { return store.size; },
    });
    vi.stubGlobal('navigator', { userAgent: UA });
  });
  afterEach(() => { vi.unstubAllGlobals(); });

  /** One load + predict; resolves which backends ran their self-test, where it ran, the answer. */
  async function load(o: Parameters<typeof createClient>[0] & { model?: string } = {}) {
    const selfTests: string[] = [];
    const c = createClient({
      backends: ['cpu'], backendPolicy: 'first-working', assetsUrl: WASM_DIR, cache: false, ...o,
      testHooks: { ...o.testHooks, onSelfTest: (n) => selfTests.push(n) },
    });
    try {
      const m = await c.load({ url: url(o.model ?? 'graph-float32') });
      const r = await m.predict(X);
      return { selfTests: [...selfTests], backend: m.backend, fallbacks: m.fallbacks, data: Array.from(r.data) };
    } finally {
      await c.dispose();
    }
  }
  const stored = (b: BackendName) => store.get(`inferscope:selftest:${b}`) ?? null;

  test('the next load skips the self-test; another user agent runs it; idbFactory: false remembers nothing', async () => {
    const first = await load();
    expect(first.selfTests).toEqual(['cpu']);
    expect(stored('cpu')).not.toBeNull();
    const second = await load();
    expect(second.selfTests).toEqual([]);
    expect(second.data).toEqual(first.data);

    vi.stubGlobal('navigator', { userAgent: UA.replace('156', '157') }); // the browser updated
    expect((await load()).selfTests).toEqual(['cpu']);
    expect((await load()).selfTests).toEqual([]);

    store.clear();
    expect((await load({ idbFactory: false })).selfTests).toEqual(['cpu']);
    expect(store.size).toBe(0);
    expect((await load({ idbFactory: false })).selfTests).toEqual(['cpu']);
  });

  test('an expired, future-dated or corrupted stored value runs the self-test, and a pass replaces it', async () => {
    const now = Date.now();
    const key = identityKey({ backend: 'cpu', userAgent: UA, gpu: '', tfjs: tf.version_core });
    const bad = fc.oneof(
      fc.constant(passValue(key, now - SELF_TEST_MEMORY_MS - 1)),
      fc.constant(passValue(key, now + 3_600_000)),
      fc.constant(passValue(key.replace(tf.version_core, '0.0.1'), now)), // another tfjs build
      fc.string(),
      fc.jsonValue().map((v) => JSON.stringify(v)),
    );
    await fc.assert(fc.asyncProperty(bad, async (value) => {
      store.set('inferscope:selftest:cpu', value);
      expect((await load()).selfTests).toEqual(['cpu']);
      expect(isRememberedPass(stored('cpu'), key, Date.now())).toBe(true);
    }), { numRuns: 12 });
  });

  test('a failed self-test is never remembered and drops the pass remembered before', async () => {
    expect((await load()).selfTests).toEqual(['cpu']);
    // The same backend now computes wrong numbers (test hook): tested, refused, forgotten.
    const err = await load({ testHooks: { corruptSelfTest: ['cpu'] } }).catch((e) => e);
    expect(err.code).toBe('BACKEND_UNAVAILABLE');
    expect(stored('cpu')).toBeNull();
    expect((await load()).selfTests).toEqual(['cpu']);
  });

  test('a backend that fails at warm-up or at predict after a remembered pass fails over as before and loses the pass', async () => {
    const backends: BackendName[] = ['wasm', 'cpu'];
    expect((await load({ backends })).selfTests).toEqual(['wasm']);
    expect(stored('wasm')).not.toBeNull();

    // wasm lacks Einsum: the warm-up proves it at load, the model moves to cpu, wasm's pass goes.
    const warm = await load({ backends, model: 'graph-einsum' });
    expect(warm.selfTests).toEqual(['cpu']); // wasm's pass was remembered: only cpu was tested
    expect(warm.backend).toBe('cpu');
    expect(warm.fallbacks).toEqual([{ backend: 'wasm', reason: expect.stringMatching(/Einsum.*wasm/) }]);
    expect(stored('wasm')).toBeNull();
    expect(stored('cpu')).not.toBeNull();

    // Without a warm-up the first prediction finds it: failover to cpu, same answer, wasm's pass goes.
    expect((await load({ backends })).selfTests).toEqual(['wasm']);
    const moved = await load({ backends, model: 'graph-einsum', warmup: false });
    expect(moved.selfTests).toEqual([]);
    expect(moved.backend).toBe('cpu');
    expect(moved.data).toEqual(warm.data);
    expect(moved.fallbacks).toEqual([{ backend: 'wasm', reason: expect.stringMatching(/predict failed: .*Einsum.*wasm/) }]);
    expect(stored('wasm')).toBeNull();
    expect((await load({ backends })).selfTests).toEqual(['wasm']);
  });

  test("a backend that fails while 'auto' times it in idle time loses its pass; serving goes on", async () => {
    expect((await load({ backends: ['wasm'] })).selfTests).toEqual(['wasm']);
    const timed = new Promise((resolve) => {
      const c = createClient({
        backends: ['cpu', 'wasm'], assetsUrl: WASM_DIR, cache: false, idbFactory: undefined,
        testHooks: { timing: { wasm: 'throw' } }, onDeliveryEvent: (e) => { if (e.type === 'backend-timed') resolve(c); },
      });
      c.load({ url: url('graph-float32') }).then((m) => m.predict(X));
    });
    const c = (await timed) as ReturnType<typeof createClient>;
    await vi.waitFor(() => expect(stored('wasm')).toBeNull()); // forgetting loads its chunk first
    expect(stored('cpu')).not.toBeNull();
    await c.dispose();
  });
});

describe('worker mode: the page keeps the passes for the worker (page-passes.ts, worker-passes.ts)', () => {
  const PREFIX = 'inferscope:selftest:';
  let ls: Map<string, string>;
  beforeEach(() => {
    ls = new Map();
    vi.stubGlobal('localStorage', {
      getItem: (k: string) => ls.get(k) ?? null, setItem: (k: string, v: string) => void ls.set(k, String(v)),
      removeItem: (k: string) => void ls.delete(k), key: (i: number) => [...ls.keys()][i] ?? null, get length() { return ls.size; },
    });
  });
  afterEach(() => { vi.unstubAllGlobals(); });

  // The last-version hints (delivery/last-version.ts) cross the same way (worker-last-version.test.ts).
  const ours = (k: string) => k.startsWith(PREFIX) || k.startsWith('inferscope:last:');
  test('only the passes and last-version hints cross to the worker; what the worker writes or removes lands in localStorage, other keys never', () => {
    const key = fc.oneof(fc.string(), fc.string().map((s) => PREFIX + s), fc.string().map((s) => `inferscope:last:${s}`), fc.string().map((s) => `inferscope:${s}`));
    fc.assert(fc.property(fc.dictionary(key, fc.string()), fc.array(fc.tuple(key, fc.option(fc.string()))), (start, ops) => {
      ls.clear();
      for (const [k, v] of Object.entries(start)) ls.set(k, v);
      const [entries, save] = pagePasses() as [Record<string, string>, (k: string, v: string | null) => void];
      expect(entries).toEqual(Object.fromEntries(Object.entries(start).filter(([k]) => ours(k))));
      const want = new Map(ls);
      const store = workerPasses(entries, save);
      for (const [k, v] of ops) {
        if (v === null) store.removeItem(k); else store.setItem(k, v);
        if (ours(k)) { if (v === null) want.delete(k); else want.set(k, v); }
        expect(store.getItem(k)).toBe(v);
      }
      expect(ls).toEqual(want);
    }));
  });

  test('a page without usable localStorage hands nothing over and the worker still answers (no pass: it tests)', () => {
    vi.stubGlobal('localStorage', undefined);
    expect(pagePasses()).toEqual([]);
    const store = workerPasses({});
    store.setItem(`${PREFIX}cpu`, 'x');
    expect(store.getItem(`${PREFIX}cpu`)).toBe('x');
  });
});
