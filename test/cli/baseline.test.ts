// `inferscope baseline`: quantile bins + expected shares per feature and per predicted class,
// written into the manifest, and the same binning the SDK recorder applies (src/protocol).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { binIndex, imageSummary } from '../../src/protocol/baseline.js';
import { validateManifest } from '../../src/protocol/manifest.js';
import { mulberry32 } from '../../models/lib/seeded.js';
import { cli, PENGUIN_FEATURES, saveImageModel, saveTabularModel, tempDir } from './cli-helpers.js';

const root = tempDir('baseline');
const manifest = join(root, 'manifest.json');
const csv = join(root, 'train.csv');
const rand = mulberry32(3);
const rows = Array.from({ length: 400 }, () => [35 + rand() * 20, 13 + rand() * 8, 170 + rand() * 60, 2.7 + rand() * 3.6]);

beforeAll(async () => {
  await saveTabularModel(join(root, 'penguins'));
  await saveImageModel(join(root, 'digits'));
  expect((await cli('manifest', 'add', join(root, 'penguins/model.json'), '--id', 'penguins', '--version', '1.0.0', '--manifest', manifest)).code).toBe(0);
  expect((await cli('manifest', 'add', join(root, 'digits/model.json'), '--id', 'digits', '--version', '1.0.0', '--manifest', manifest)).code).toBe(0);
  // Columns in a different order than the model's features, plus a label column: read by name.
  const header = ['label', ...[...PENGUIN_FEATURES].reverse()];
  writeFileSync(csv, [header.join(','), ...rows.map((r) => ['Adelie', ...[...r].reverse().map((v) => v.toFixed(3))].join(','))].join('\n') + '\n');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

test('tabular: 10 quantile bins plus open ends per named feature, shares that sum to 1', async () => {
  const r = await cli('baseline', csv, '--model', 'penguins@1.0.0', '--manifest', manifest);
  expect(r.code).toBe(0);
  const b = validateManifest(JSON.parse(readFileSync(manifest, 'utf8'))).models.penguins!.versions['1.0.0']!.baseline!;
  expect(b.sampleCount).toBe(400);
  expect(b.features.map((f) => [f.name, f.index])).toEqual(PENGUIN_FEATURES.map((f, i) => [f, i]));
  for (const f of b.features) {
    expect(f.edges).toHaveLength(11);
    expect(f.expected).toHaveLength(12);
    expect(f.expected.reduce((a, c) => a + c, 0)).toBeCloseTo(1, 5);
    // Quantile bins hold ~10% each; nothing falls below the training minimum.
    expect(f.expected[0]).toBe(0);
    f.expected.slice(1, 11).forEach((p) => expect(p).toBeGreaterThan(0.07));
    // The SDK's binIndex puts each training value where the expected shares say.
    const col = rows.map((row) => Number(row[f.index!]!.toFixed(3)));
    const counts = new Array(12).fill(0);
    col.forEach((v) => counts[binIndex(f.edges, v)]++);
    expect(counts.map((c) => Math.round((c / 400) * 1e6) / 1e6)).toEqual(f.expected);
  }
  expect(b.prediction.labels).toEqual(['Adelie', 'Chinstrap', 'Gentoo']);
  expect(b.prediction.expected.reduce((a, c) => a + c, 0)).toBeCloseTo(1, 5);
});

test('image: mean intensity, ink fraction and std as summary features', async () => {
  const samples = Array.from({ length: 60 }, (_, i) => ({ input: Array.from({ length: 784 }, () => (rand() < 0.1 + (i % 10) / 50 ? 1 : 0)), label: String(i % 10) }));
  const file = join(root, 'digits.json');
  writeFileSync(file, JSON.stringify({ samples }));
  const r = await cli('baseline', file, '--model', 'digits@1.0.0', '--manifest', manifest, '--bins', '5');
  expect(r.code).toBe(0);
  const b = validateManifest(JSON.parse(readFileSync(manifest, 'utf8'))).models.digits!.versions['1.0.0']!.baseline!;
  expect(b.features.map((f) => f.summary)).toEqual(['mean', 'ink', 'std']);
  const inks = samples.map((s) => imageSummary(s.input, { height: 28, width: 28, channels: 1 }).ink).sort((a, c) => a - c);
  const ink = b.features[1]!;
  expect(ink.edges[0]).toBeCloseTo(inks[0]!, 5);
  expect(ink.edges.at(-1)).toBeCloseTo(inks.at(-1)!, 5);
  expect(ink.expected).toHaveLength(ink.edges.length + 1);
  expect(b.prediction.labels).toHaveLength(10);
});

test('a CSV missing a column names line 1 and the column; a non-numeric cell names line and column', async () => {
  const before = readFileSync(manifest, 'utf8');
  const missing = join(root, 'missing.csv');
  writeFileSync(missing, 'beak_length_mm,beak_depth_mm,body_mass_kg\n40,18,3.5\n');
  const a = await cli('baseline', missing, '--model', 'penguins@1.0.0', '--manifest', manifest);
  expect(a.code).toBe(1);
  expect(a.err).toContain(`${missing}:1:4: missing column "flipper_length_mm"`);
  const bad = join(root, 'bad.csv');
  writeFileSync(bad, `${PENGUIN_FEATURES.join(',')}\n40,18,190,3.5\n41,abc,191,3.6\n`);
  const b = await cli('baseline', bad, '--model', 'penguins@1.0.0', '--manifest', manifest);
  expect(b.code).toBe(1);
  expect(b.err).toContain(`${bad}:3:2: column "beak_depth_mm": "abc" is not a number`);
  const unknown = await cli('baseline', csv, '--model', 'penguins@9.9.9', '--manifest', manifest);
  expect(unknown.code).toBe(1);
  expect(unknown.err).toContain('no penguins@9.9.9 (versions of penguins: 1.0.0)');
  expect(readFileSync(manifest, 'utf8')).toBe(before);
});

test('refuses a model whose files no longer match the manifest hashes', async () => {
  const shard = join(root, 'penguins/group1-shard1of1.bin');
  const bytes = readFileSync(shard);
  writeFileSync(shard, Buffer.concat([bytes.subarray(0, 4).map((x) => x ^ 1), bytes.subarray(4)]));
  const r = await cli('baseline', csv, '--model', 'penguins@1.0.0', '--manifest', manifest);
  expect(r.code).toBe(1);
  expect(r.err).toContain('does not match its SHA-256');
  writeFileSync(shard, bytes);
});
