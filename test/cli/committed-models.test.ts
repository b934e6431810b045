// The models committed under models/: the manifest is valid, every file matches its SHA-256,
// every version loads with tfjs and scores on its labelled samples, and stable serves uint8.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { expect, test } from 'vitest';
import { evaluateModel } from '../../src/cli/evaluate.js';
import { validateManifest } from '../../src/protocol/manifest.js';

const MANIFEST = resolve(import.meta.dirname, '../../models/manifest.json');
const manifest = validateManifest(JSON.parse(readFileSync(MANIFEST, 'utf8')));
const versions = Object.entries(manifest.models).flatMap(([id, m]) => Object.entries(m.versions).map(([v, e]) => [`${id}@${v}`, id, e] as const));

test('stable serves a uint8 version of each model, and every version has a drift baseline', () => {
  expect(Object.keys(manifest.models).sort()).toEqual(['digits', 'penguins']);
  for (const m of Object.values(manifest.models)) {
    expect(m.versions[m.channels.stable!.version]!.quantization).toBe('uint8');
    for (const v of Object.values(m.versions)) expect(v.baseline?.features.length).toBeGreaterThan(0);
  }
});

test.each(versions)('%s: files match their hashes and it scores on its labelled samples', async (_name, id, entry) => {
  const modelJson = resolve(dirname(MANIFEST), entry.url);
  for (const f of entry.files) {
    const bytes = readFileSync(join(dirname(modelJson), f.path));
    expect(bytes.length).toBe(f.bytes);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(f.sha256);
  }
  const r = await evaluateModel(modelJson, resolve(dirname(MANIFEST), id, 'samples.json'));
  expect(r.accuracy).toBeGreaterThanOrEqual(id === 'digits' ? 0.96 : 0.97);
});
