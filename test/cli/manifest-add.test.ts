// `inferscope manifest add`: hashes, specs, channels, validation, immutable versions.
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { validateManifest } from '../../src/protocol/manifest.js';
import { cli, PENGUIN_FEATURES, saveImageModel, saveTabularModel, tempDir } from './cli-helpers.js';

const root = tempDir('manifest');
const manifest = join(root, 'manifest.json');
let digits: string;
let penguins: string;
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

beforeAll(async () => {
  digits = await saveImageModel(join(root, 'digits', '1.0.0'));
  penguins = await saveTabularModel(join(root, 'penguins', '1.0.0'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

test('adds a version with every file hashed, specs from the model, and a channel', async () => {
  const r = await cli('manifest', 'add', digits, '--id', 'digits', '--version', '1.0.0+uint8', '--channel', 'stable', '--manifest', manifest, '--notes', 'test model');
  expect(r.err).not.toContain('inferscope');
  expect(r.code).toBe(0);
  expect(r.out).toContain('channel stable -> 1.0.0+uint8');
  const m = validateManifest(JSON.parse(readFileSync(manifest, 'utf8')));
  const v = m.models.digits!.versions['1.0.0+uint8']!;
  expect(v.url).toBe('digits/1.0.0/model.json');
  expect(v.format).toBe('layers-model');
  expect(v.quantization).toBe('none');
  expect(v.files).toEqual([
    { path: 'model.json', sha256: sha(digits), bytes: readFileSync(digits).length },
    { path: 'group1-shard1of1.bin', sha256: sha(join(root, 'digits/1.0.0/group1-shard1of1.bin')), bytes: readFileSync(join(root, 'digits/1.0.0/group1-shard1of1.bin')).length },
  ]);
  expect(v.inputs[0]).toMatchObject({ shape: [-1, 28, 28, 1], dtype: 'float32', kind: 'image', image: { height: 28, width: 28, channels: 1 } });
  expect(v.outputs[0]).toMatchObject({ shape: [-1, 10], labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] });
  expect(v.notes).toBe('test model');
  expect(m.models.digits!.channels.stable).toEqual({ version: '1.0.0+uint8' });
});

test('tabular feature names, labels, and a rollout candidate', async () => {
  expect((await cli('manifest', 'add', penguins, '--id', 'penguins', '--version', '1.0.0', '--channel', 'stable', '--manifest', manifest)).code).toBe(0);
  const r = await cli('manifest', 'add', penguins, '--id', 'penguins', '--version', '1.1.0', '--candidate', 'stable', '--percent', '25', '--manifest', manifest);
  expect(r.code).toBe(0);
  const m = validateManifest(JSON.parse(readFileSync(manifest, 'utf8')));
  expect(m.models.penguins!.versions['1.0.0']!.inputs[0]).toMatchObject({ kind: 'tabular', shape: [-1, 4], features: PENGUIN_FEATURES });
  expect(m.models.penguins!.channels.stable).toEqual({ version: '1.0.0', candidate: { version: '1.1.0', percent: 25 } });
  expect(Object.keys(m.models)).toEqual(['digits', 'penguins']);
});

test('re-adding identical files is a no-op; different bytes under the same version are refused', async () => {
  const before = readFileSync(manifest, 'utf8');
  const same = await cli('manifest', 'add', digits, '--id', 'digits', '--version', '1.0.0+uint8', '--manifest', manifest);
  expect(same.code).toBe(0);
  expect(same.out).toContain('files unchanged');
  const shard = join(root, 'digits/1.0.0/group1-shard1of1.bin');
  const bytes = readFileSync(shard);
  bytes[0] = bytes[0]! ^ 0xff;
  writeFileSync(shard, bytes);
  const changed = await cli('manifest', 'add', digits, '--id', 'digits', '--version', '1.0.0+uint8', '--manifest', manifest);
  expect(changed.code).toBe(1);
  expect(changed.err).toContain('digits@1.0.0+uint8 already exists with different files ("group1-shard1of1.bin" differs)');
  expect(readFileSync(manifest, 'utf8')).toBe(before.replace(/"createdAt": "[^"]+"/g, (s) => s));
  expect(JSON.parse(readFileSync(manifest, 'utf8'))).toEqual(JSON.parse(before));
  bytes[0] = bytes[0]! ^ 0xff;
  writeFileSync(shard, bytes);
});

test('bad arguments and bad manifests are refused without writing', async () => {
  const semver = await cli('manifest', 'add', digits, '--id', 'digits', '--version', 'v2', '--manifest', manifest);
  expect(semver.code).toBe(2);
  expect(semver.err).toContain('--version "v2" is not a semantic version');
  const broken = join(root, 'broken-manifest.json');
  writeFileSync(broken, JSON.stringify({ schemaVersion: 1, models: { x: { channels: {}, versions: { '1.0.0': { url: 'm.json' } } } } }));
  const r = await cli('manifest', 'add', digits, '--id', 'digits', '--version', '1.0.0', '--manifest', broken);
  expect(r.code).toBe(1);
  expect(r.err).toContain(`${broken}: manifest models.x.versions.1.0.0.format: expected one of`);
  const noCandidateChannel = await cli('manifest', 'add', digits, '--id', 'digits', '--version', '2.0.0', '--candidate', 'beta', '--manifest', manifest);
  expect(noCandidateChannel.code).toBe(2);
  expect(JSON.parse(readFileSync(manifest, 'utf8')).models.digits.versions['2.0.0']).toBeUndefined();
});
