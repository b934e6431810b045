// `inferscope release check` gates a candidate on the committed digits models and samples,
// and fails a broken one naming the line; `inferscope release publish` writes the exact
// manifest the collector serves, release state included.
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/protocol/manifest-types.js';
import { ADMIN, startTestCollector, testConfig } from '../collector/helpers.js';
import { releaseManifest } from '../collector/release-support.js';
import { cli, tempDir } from './cli-helpers.js';

const ROOT = join(import.meta.dirname, '../..');
const root = tempDir('release');
// Predict times are too noisy on a shared test machine to gate on: only the other lines are asserted.
const lenient = join(root, 'collector.json');

beforeAll(() => {
  writeFileSync(lenient, JSON.stringify({ ...testConfig(), releases: { defaults: { gate: { maxLatencyRatio: 1000 } } } }));
  // A copy of digits with a broken candidate: 1.0.0's float32 files with every weight zeroed.
  const m = JSON.parse(readFileSync(join(ROOT, 'models/manifest.json'), 'utf8')) as Manifest;
  const digits = m.models.digits!;
  cpSync(join(ROOT, 'models/digits/1.0.0/uint8'), join(root, 'digits/1.0.0/uint8'), { recursive: true });
  cpSync(join(ROOT, 'models/digits/1.0.0/float32'), join(root, 'digits/broken'), { recursive: true });
  const bin = join(root, 'digits/broken/group1-shard1of1.bin');
  writeFileSync(bin, new Uint8Array(readFileSync(bin).length));
  digits.versions['2.0.0-broken'] = { ...digits.versions['1.0.0+float32']!, url: 'digits/broken/model.json' };
  cpSync(join(ROOT, 'models/digits/samples.json'), join(root, 'digits/samples.json'));
  writeFileSync(join(root, 'manifest.json'), JSON.stringify(m));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('inferscope release check', () => {
  it('passes digits 1.1.0 against stable and prints every gate line', async () => {
    const r = await cli('release', 'check', '--manifest', join(ROOT, 'models/manifest.json'), '--model', 'digits', '--candidate', '1.1.0+uint8', '--config', lenient);
    expect(r.err).not.toMatch(/failed/);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^check\s+digits@1\.1\.0\+uint8\s+digits@1\.0\.0\+uint8\s+limit\s+result$/m);
    expect(r.out).toMatch(/^accuracy \(300 samples\)\s+\d+\.\d\d %\s+\d+\.\d\d %\s+drop <= 0\.50 points or McNemar z <= 2\.58 \(z -?\d+\.\d\d\)\s+pass$/m);
    expect(r.out).toMatch(/^agreement with stable\s+\d+\.\d\d %\s+>= 95\.00 %\s+pass$/m);
    expect(r.out).toMatch(/^weight bytes\s+107,435\s+107,441\s+<= 1\.1x\s+pass$/m);
    for (const b of ['cpu', 'wasm']) expect(r.out).toMatch(new RegExp(`^predict ms, ${b} \\(median\\)\\s+\\d+\\.\\d\\d\\s+\\d+\\.\\d\\d\\s+<= 1000x\\s+pass$`, 'm'));
  }, 120_000);

  it('exits 1 naming the accuracy, agreement and size lines for a candidate with broken float32 weights', async () => {
    const r = await cli('release', 'check', '--manifest', join(root, 'manifest.json'), '--model', 'digits', '--candidate', '2.0.0-broken', '--config', lenient);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^accuracy \(300 samples\).*FAIL$/m);
    expect(r.err).toMatch(/release check failed: accuracy \(300 samples\): \d+\.\d\d % vs 9\d\.\d\d %/);
    expect(r.err).toMatch(/release check failed: agreement with stable/);
    // float32 files against uint8 stable: four times the bytes.
    expect(r.err).toMatch(/release check failed: weight bytes: 4\d\d,\d{3} vs 107,441 \(limit <= 1\.1x\)/);
    expect(r.err).not.toMatch(/predict ms/);
  }, 120_000);

  it('names what is missing: model, version, --against', async () => {
    const m = join(ROOT, 'models/manifest.json');
    expect((await cli('release', 'check', '--manifest', m, '--model', 'nope', '--candidate', '1')).err).toMatch(/no model "nope"; it lists: digits, penguins/);
    expect((await cli('release', 'check', '--manifest', m, '--model', 'digits', '--candidate', '7')).err).toMatch(/digits has no version "7"; versions: 1\.0\.0\+uint8/);
    expect((await cli('release', 'check', '--manifest', m, '--model', 'digits', '--candidate', '1.1.0+uint8', '--against', 'beta')).err).toMatch(/--against "beta" is neither a channel nor a version/);
    expect((await cli('release', 'check', '--model', 'digits')).code).toBe(2);
  });
});

describe('inferscope release publish', () => {
  it('writes the bytes GET /v1/manifest serves, with the release state applied', async () => {
    const dir = tempDir('publish');
    try {
      const base = join(dir, 'base.json');
      writeFileSync(base, JSON.stringify(releaseManifest()));
      const cfgFile = join(dir, 'collector.json');
      const cfgJson = { ...testConfig(), releases: { intervalSeconds: 3600, defaults: { steps: [5, 50, 100] } } };
      writeFileSync(cfgFile, JSON.stringify(cfgJson));
      const { validateConfig } = await import('../../src/collector/config.js');
      const c = await startTestCollector({ config: validateConfig(cfgJson), manifest: base, db: join(dir, 'c.sqlite') });
      let served: string;
      try {
        const act = await fetch(`${c.url}/v1/releases/digits/stable/promote`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } });
        expect(act.status).toBe(200);
        served = await (await fetch(`${c.url}/v1/manifest`)).text();
      } finally {
        await c.close();
      }
      const r = await cli('release', 'publish', '--out', join(dir, 'site'), '--config', cfgFile, '--db', join(dir, 'c.sqlite'), '--manifest', base);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const written = readFileSync(join(dir, 'site/manifest.json'), 'utf8');
      expect(written).toBe(served);
      expect(JSON.parse(written).models.digits.channels.stable).toEqual({ version: '1.1.0' });
      expect(r.out).toMatch(/wrote .*site\/manifest\.json \(ETag "[\w-]+" as served by GET \/v1\/manifest; release state applied\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses --db with --postgres and a missing --out', async () => {
    expect((await cli('release', 'publish', '--db', 'a', '--postgres', 'b', '--out', 'x')).err).toMatch(/either --db or --postgres/);
    expect((await cli('release', 'publish')).err).toMatch(/missing --out/);
  });
});
