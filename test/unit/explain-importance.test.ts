// Feature importance in the collector: Spearman rank correlation, the drift flag, and the
// real HTTP path (batches with importance in, report and /metrics out).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { importanceSection, MIN_EXPLAINED, spearman } from '../../src/collector/importance.js';
import { startCollector } from '../../src/collector/server.js';
import type { Baseline, Manifest } from '../../src/protocol/manifest-types.js';
import type { Batch } from '../../src/protocol/wire-types.js';
import { Sketch } from '../../src/protocol/sketch.js';

const BASE: Baseline = {
  sampleCount: 300,
  features: [{ name: 'flipper', index: 2, edges: [190, 210], expected: [0.3, 0.4, 0.3] }],
  prediction: { labels: ['Adelie', 'Chinstrap', 'Gentoo'], expected: [0.44, 0.2, 0.36] },
  importance: { bill_length: 0.3, bill_depth: 0.2, flipper: 0.35, mass: 0.05 },
};
const live = (values: Record<string, number>, n: number) => Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { sum: v * n, n }]));

describe('rank correlation and drift flag', () => {
  test('spearman: known values, ties, degenerate input', () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    // x = [1,2,3,4,5], y = [2,1,4,3,5]: d² = 1+1+1+1+0 = 4, ρ = 1 − 6·4/(5·24) = 0.8
    expect(spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5])).toBeCloseTo(0.8, 12);
    // average ranks for ties: [1, 2.5, 2.5, 4] vs [1, 2, 3, 4]
    expect(spearman([1, 2, 2, 3], [1, 2, 3, 4])).toBeCloseTo(4.5 / Math.sqrt(4.5 * 5), 12);
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNull();
    expect(spearman([1, 2], [1, 2])).toBeNull();
  });

  test('same ranking as training: no drift; reversed ranking: drift; too few explanations: no verdict', () => {
    const same = importanceSection(live({ bill_length: 0.28, bill_depth: 0.22, flipper: 0.33, mass: 0.04 }, MIN_EXPLAINED), BASE);
    expect(same.rankCorrelation).toBeCloseTo(1, 12);
    expect(same.drift).toBe(false);
    expect(same.features[0]).toMatchObject({ name: 'flipper', baseline: 0.35 });
    const moved = importanceSection(live({ bill_length: 0.05, bill_depth: 0.3, flipper: 0.02, mass: 0.4 }, MIN_EXPLAINED), BASE);
    expect(moved.rankCorrelation!).toBeLessThan(0.5);
    expect(moved.drift).toBe(true);
    const early = importanceSection(live({ bill_length: 0.05, bill_depth: 0.3, flipper: 0.02, mass: 0.4 }, 3), BASE);
    expect(early.drift).toBeNull();
    expect(early.reason).toMatch(/30/);
    expect(importanceSection({}, BASE).reason).toMatch(/explainSampleRate/);
    expect(importanceSection(live({ a: 1, b: 2, c: 3 }, 40)).reason).toMatch(/no importance/);
  });
});

test('collector: report and /metrics carry live importance, its rank correlation and the drift flag', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'inferscope-explain-'));
  const manifest: Manifest = {
    schemaVersion: 1,
    models: {
      penguins: {
        channels: { stable: { version: '1.0.0' } },
        versions: {
          '1.0.0': {
            url: 'penguins/1.0.0/model.json', format: 'layers-model', quantization: 'none',
            files: [{ path: 'model.json', sha256: 'a'.repeat(64), bytes: 10 }],
            inputs: [{ name: 'x', shape: [-1, 4], dtype: 'float32', kind: 'tabular', features: ['bill_length', 'bill_depth', 'flipper', 'mass'] }],
            outputs: [{ name: 'y', shape: [-1, 3], dtype: 'float32', labels: ['Adelie', 'Chinstrap', 'Gentoo'] }],
            baseline: BASE,
          },
        },
      },
    },
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  const admin = 'admin-token-for-explain-tests-0123';
  const c = await startCollector({
    config: { adminToken: admin, apps: [{ id: 'zoo', keys: ['pk_zoo_000000001'], origins: ['*'] }] },
    port: 0, db: join(dir, 'c.sqlite'), manifest: join(dir, 'manifest.json'),
  });
  try {
    const lat = new Sketch();
    for (let i = 0; i < 40; i++) lat.add(3 + i / 10);
    const now = Date.now();
    const batch: Batch = {
      v: 1, batchId: randomBytes(12).toString('hex'), sdk: 'inferscope/0.1.0', sentAt: now, window: { start: now - 30_000, end: now },
      sampleRate: 1, client: { browser: 'chrome', browserMajor: 126, os: 'linux', device: 'desktop' },
      models: [{
        model: 'penguins', version: '1.0.0', backend: 'wasm', variant: 'stable', predictions: 40, errors: {}, latency: lat.toJSON(),
        scores: [0, 0, 0, 0, 0, 0, 0, 0, 20, 20], classes: { Adelie: 20, Gentoo: 20 },
        // Live ranking reversed against training: mass now matters most.
        importance: live({ bill_length: 0.05, bill_depth: 0.1, flipper: 0.02, mass: 0.4 }, 40),
      }],
      loads: [], dropped: { queue: 0, outbox: 0 },
    };
    const post = await fetch(`${c.url}/v1/batches?key=pk_zoo_000000001`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batch) });
    expect(post.status).toBeLessThan(300);
    const auth = { headers: { authorization: `Bearer ${admin}` } };
    let report: { versions: { version: string; importance: ReturnType<typeof importanceSection> }[] } | undefined;
    for (const end = Date.now() + 60_000; Date.now() < end;) { // the writer commits in groups: wait for the row (by time, not 40 turns)
      report = await (await fetch(`${c.url}/v1/models/penguins/report`, auth)).json();
      if (report?.versions?.[0]?.importance?.features?.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const imp = report!.versions[0]!.importance;
    expect(imp.features.map((f) => f.name)).toEqual(['mass', 'bill_depth', 'bill_length', 'flipper']);
    expect(imp.features[0]!.importance).toBeCloseTo(0.4, 9);
    expect(imp.explained).toBe(40);
    expect(imp.rankCorrelation!).toBeLessThan(0);
    expect(imp.drift).toBe(true);
    const text = await (await fetch(`${c.url}/metrics`, auth)).text();
    expect(text).toMatch(/inferscope_feature_importance\{app="zoo",model="penguins",version="1.0.0",feature="mass"\} 0\.4/);
    expect(text).toMatch(/inferscope_attribution_rank_correlation\{app="zoo",model="penguins",version="1.0.0"\} -/);
  } finally {
    await c.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
