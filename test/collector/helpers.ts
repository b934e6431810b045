// Shared by the collector tests: realistic batches built with the real Sketch, a test
// config with two apps, a manifest with a drift baseline, and a collector on a free port.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sketch } from '../../src/protocol/sketch.js';
import type { Batch, ModelAggregate } from '../../src/protocol/wire-types.js';
import type { Manifest } from '../../src/protocol/manifest-types.js';
import type { CollectorConfig } from '../../src/collector/config.js';
import { startCollector, type CollectorOptions, type RunningCollector } from '../../src/collector/server.js';

export const ADMIN = 'admin-token-for-tests-0123456789';
export const KEY_SHOP = 'pk_test_shop_0001';
export const KEY_BLOG = 'pk_test_blog_0001';

export function testConfig(extra: Partial<CollectorConfig> = {}): CollectorConfig {
  return {
    adminToken: ADMIN,
    apps: [
      { id: 'shop', keys: [KEY_SHOP], origins: ['https://shop.example'] },
      { id: 'blog', keys: [KEY_BLOG], origins: ['*'], rateLimit: { max: 3, windowSeconds: 60 } },
    ],
    ...extra,
  };
}

export function batchId(): string {
  return randomBytes(12).toString('hex');
}

export function latencySketch(values: number[]) {
  const s = new Sketch();
  for (const v of values) s.add(v);
  return s.toJSON();
}

export function modelAggregate(over: Partial<ModelAggregate> = {}): ModelAggregate {
  const lat = over.latency ?? latencySketch(Array.from({ length: 20 }, (_, i) => 5 + i));
  return {
    model: 'digits', version: '1.0.0', backend: 'wasm', variant: 'stable', predictions: lat.count,
    errors: {}, latency: lat, scores: [0, 0, 0, 0, 0, 0, 0, 0, 10, 10], classes: { '3': 12, '7': 8 },
    features: { mean: [5, 10, 5] }, ...over,
  };
}

export function makeBatch(over: Partial<Batch> = {}): Batch {
  const now = Date.now();
  return {
    v: 1, batchId: batchId(), sdk: 'inferscope/0.1.0', sentAt: now, window: { start: now - 30_000, end: now },
    sampleRate: 1, client: { browser: 'chrome', browserMajor: 126, os: 'linux', device: 'desktop' },
    models: [modelAggregate()],
    loads: [{ model: 'digits', version: '1.0.0', variant: 'stable', backend: 'wasm', source: 'network', bytes: 120_000, ms: 340, fallbacks: [{ backend: 'webgpu', reason: 'navigator.gpu missing' }], count: 1 }],
    dropped: { queue: 0, outbox: 0 },
    ...over,
  };
}

/** Manifest with digits@1.0.0 carrying a 3-bin baseline for "mean" and a 2-class prediction baseline. */
export function testManifest(): Manifest {
  return {
    schemaVersion: 1,
    models: {
      digits: {
        channels: { stable: { version: '1.0.0' } },
        versions: {
          '1.0.0': {
            url: 'digits/1.0.0/model.json', format: 'layers-model', quantization: 'none',
            files: [{ path: 'model.json', sha256: 'a'.repeat(64), bytes: 10 }],
            inputs: [{ name: 'x', shape: [-1, 3], dtype: 'float32', kind: 'tabular', features: ['a', 'b', 'c'] }],
            outputs: [{ name: 'y', shape: [-1, 2], dtype: 'float32', labels: ['3', '7'] }],
            baseline: { sampleCount: 1000, features: [{ name: 'mean', index: 0, edges: [0.2, 0.6], expected: [0.25, 0.5, 0.25] }], prediction: { labels: ['3', '7'], expected: [0.6, 0.4] } },
          },
        },
      },
    },
  };
}

export interface TestCollector extends RunningCollector { dir: string; post(body: unknown, init?: { key?: string; headers?: Record<string, string> }): Promise<Response> }

export async function startTestCollector(opts: Partial<CollectorOptions> = {}): Promise<TestCollector> {
  const dir = mkdtempSync(join(tmpdir(), 'inferscope-collector-'));
  const manifestPath = join(dir, 'manifest.json');
  writeFileSync(manifestPath, JSON.stringify(testManifest()));
  const c = await startCollector({ config: testConfig(), port: 0, db: join(dir, 'c.sqlite'), manifest: manifestPath, ...opts });
  return {
    ...c,
    dir,
    post: (body, init = {}) => fetch(`${c.url}/v1/batches?key=${encodeURIComponent(init.key ?? KEY_SHOP)}`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...init.headers }, body: (typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body)) as BodyInit,
    }),
    async close() { await c.close(); rmSync(dir, { recursive: true, force: true }); },
  };
}

export function admin(url: string): Promise<Response> {
  return fetch(url, { headers: { authorization: `Bearer ${ADMIN}` } });
}

/** Polls fn until it returns something other than undefined, or throws after ms naming what it waited for.
 *  The limit only ends a wait that never succeeds: 60 s, as a loaded CI machine needs (was 20 s). */
export async function until<T>(fn: () => Promise<T | undefined>, what: string, ms = 60_000, stepMs = 50): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** What a store holds for `model`, summed over its rows: predictions, batches, latency samples. */
export async function storeTotals(store: import('../../src/collector/store/types.js').Store, model: string): Promise<{ predictions: number; batches: number; latency: number }> {
  const rows = await store.rows({ model, from: 0, to: Date.now() + 3600_000 });
  return rows.reduce((a, r) => ({
    predictions: a.predictions + r.state.predictions,
    batches: a.batches + r.state.batches,
    latency: a.latency + (r.state.latency?.count ?? 0),
  }), { predictions: 0, batches: 0, latency: 0 });
}
