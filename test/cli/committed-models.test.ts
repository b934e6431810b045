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

test('the SDK loads each model by id from models/manifest.json (stable = uint8, hashes verified) and it answers correctly', async () => {
  const { IDBFactory } = await import('fake-indexeddb');
  const { createClient } = await import('../../src/index.js');
  const { serveStatic } = await import('../support/fixtures-server.js');
  const server = await serveStatic({ root: dirname(MANIFEST) });
  const idb = new IDBFactory();
  const client = createClient({ backends: ['cpu'], manifestUrl: `${server.url}/manifest.json`, cache: { idbFactory: idb }, idbFactory: idb, telemetry: false });
  try {
    for (const id of ['digits', 'penguins']) {
      const model = await client.load(id, { channel: 'stable' });
      // stable, or its rollout candidate for the ~10% of installs in its bucket: uint8 either way.
      const ch = manifest.models[id]!.channels.stable!;
      expect([ch.version, ch.candidate?.version]).toContain(model.version);
      expect(manifest.models[id]!.versions[model.version]!.quantization).toBe('uint8');
      const samples = JSON.parse(readFileSync(join(dirname(MANIFEST), id, 'samples.json'), 'utf8'));
      const rows = samples.samples.slice(0, 40);
      let correct = 0;
      for (const s of rows) {
        const r = await model.predict(Float32Array.from(s.input));
        const k = Array.from(r.data).indexOf(Math.max(...r.data));
        if (samples.labels[k] === s.label) correct++;
      }
      expect(correct / rows.length).toBeGreaterThanOrEqual(0.9);
    }
  } finally {
    await client.dispose();
    await server.close();
  }
});
