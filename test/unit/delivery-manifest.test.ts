import { describe, expect, it } from 'vitest';
import { ManifestError, pickVersion, resolveUrl, rolloutBucket, validateManifest } from '../../src/protocol/manifest.js';

const hash = (c: string) => c.repeat(64);
function manifest(): any {
  return {
    schemaVersion: 1,
    models: {
      digits: {
        description: 'handwritten digits',
        channels: { stable: { version: '1.0.0', candidate: { version: '1.1.0', percent: 10 } } },
        versions: {
          '1.0.0': {
            url: 'digits/1.0.0/model.json',
            format: 'layers-model',
            quantization: 'none',
            files: [
              { path: 'model.json', sha256: hash('a'), bytes: 1200 },
              { path: 'group1-shard1of1.bin', sha256: hash('b'), bytes: 4000 },
            ],
            inputs: [{ name: 'x', shape: [-1, 28, 28, 1], dtype: 'float32', kind: 'image', image: { height: 28, width: 28, channels: 1, scale: 1 / 255 } }],
            outputs: [{ name: 'y', shape: [-1, 3], dtype: 'float32', labels: ['0', '1', '2'] }],
            baseline: {
              sampleCount: 100,
              features: [{ name: 'mean', summary: 'mean', edges: [0.1, 0.2], expected: [0.3, 0.4, 0.3] }],
              prediction: { labels: ['0', '1', '2'], expected: [0.3, 0.3, 0.4] },
            },
          },
          '1.1.0': {
            url: 'https://cdn.example/digits/1.1.0/model.json',
            format: 'graph-model',
            quantization: 'uint8',
            files: [{ path: 'model.json', sha256: hash('c'), bytes: 10 }],
            inputs: [{ name: 'x', shape: [-1, 4], dtype: 'float32', features: ['a', 'b', 'c', 'd'] }],
            outputs: [{ name: 'y', shape: [-1, 2], dtype: 'float32' }],
          },
        },
      },
    },
  };
}

function messageOf(mutate: (m: any) => unknown): string {
  const m = manifest();
  const replaced = mutate(m);
  try {
    validateManifest(replaced === undefined ? m : replaced);
  } catch (e) {
    expect(e).toBeInstanceOf(ManifestError);
    return (e as Error).message;
  }
  throw new Error('validateManifest accepted an invalid manifest');
}

describe('validateManifest', () => {
  it('accepts a complete manifest and returns it typed', () => {
    const m = validateManifest(manifest());
    expect(m.models.digits!.channels.stable!.version).toBe('1.0.0');
  });

  it('ignores unknown fields so newer writers stay readable', () => {
    expect(() => validateManifest({ ...manifest(), publishedBy: 'ci' })).not.toThrow();
  });

  it.each([
    ['not an object', () => null, '(root): expected an object, got null'],
    ['schemaVersion', (m: any) => { m.schemaVersion = 2; }, 'schemaVersion: expected one of 1, got number 2'],
    ['missing sha', (m: any) => { delete m.models.digits.versions['1.0.0'].files[1].sha256; },
      'models.digits.versions.1.0.0.files[1].sha256: expected 64 lowercase hex characters (SHA-256), got nothing (missing)'],
    ['uppercase sha', (m: any) => { m.models.digits.versions['1.0.0'].files[1].sha256 = 'A'.repeat(64); },
      'files[1].sha256: expected 64 lowercase hex'],
    ['negative bytes', (m: any) => { m.models.digits.versions['1.0.0'].files[0].bytes = -1; },
      'files[0].bytes: expected an integer >= 0, got number -1'],
    ['climbing path', (m: any) => { m.models.digits.versions['1.0.0'].files[1].path = '../x.bin'; },
      'files[1].path: expected a relative path without ".."'],
    ['absolute path', (m: any) => { m.models.digits.versions['1.0.0'].files[1].path = 'https://x/y.bin'; }, 'files[1].path'],
    ['climbing path after a newline', (m: any) => { m.models.digits.versions['1.0.0'].files[1].path = 'a\nb/../../x.bin'; },
      'files[1].path: expected a relative path without ".."'],
    ['model.json not listed', (m: any) => { m.models.digits.versions['1.0.0'].files.shift(); },
      'models.digits.versions.1.0.0.files: expected an entry for "model.json" itself'],
    ['format', (m: any) => { m.models.digits.versions['1.0.0'].format = 'keras'; },
      'versions.1.0.0.format: expected one of "graph-model", "layers-model", got "keras"'],
    ['channel points nowhere', (m: any) => { m.models.digits.channels.stable.version = '9'; },
      'models.digits.channels.stable.version: expected a version listed in versions (1.0.0, 1.1.0), got "9"'],
    ['percent', (m: any) => { m.models.digits.channels.stable.candidate.percent = 150; },
      'channels.stable.candidate.percent: expected a number >= 0 <= 100, got number 150'],
    ['labels vs shape', (m: any) => { m.models.digits.versions['1.0.0'].outputs[0].labels.pop(); },
      'outputs[0].labels: expected 3 labels (the last dimension of shape), got an array of 2'],
    ['baseline proportions', (m: any) => { m.models.digits.versions['1.0.0'].baseline.features[0].expected.pop(); },
      'baseline.features[0].expected: expected 3 proportions'],
    ['edges ascend', (m: any) => { m.models.digits.versions['1.0.0'].baseline.features[0].edges = [0.2, 0.1]; },
      'edges[1]: expected a number > 0.2 (edges ascend)'],
    ['id with @', (m: any) => { m.models['a@b'] = m.models.digits; }, 'models.a@b: expected a model id without "@"'],
    ['killSwitch type', (m: any) => { m.models.digits.channels.stable.killSwitch = 'yes'; },
      'channels.stable.killSwitch: expected true or false, got "yes"'],
  ])('names the field and what was expected: %s', (_name, mutate, expected) => {
    expect(messageOf(mutate as (m: any) => unknown)).toContain(expected);
  });

  // Checks the cases above do not reach: every kind of field (lists, maps, optional fields,
  // cross-field rules) keeps naming its full path and what it expected.
  const v1 = (m: any) => m.models.digits.versions['1.0.0'];
  it.each([
    ['version name with /', (m: any) => { m.models.digits.versions['a/b'] = v1(m); },
      'models.digits.versions.a/b: expected a version name without "@", "/" or spaces, got "a/b"'],
    ['description type', (m: any) => { m.models.digits.description = 3; }, 'models.digits.description: expected a string, got number 3'],
    ['versions missing', (m: any) => { delete m.models.digits.versions; }, 'models.digits.versions: expected an object, got nothing (missing)'],
    ['candidate unknown', (m: any) => { m.models.digits.channels.stable.candidate.version = '2.0.0'; },
      'channels.stable.candidate.version: expected a version listed in versions (1.0.0, 1.1.0), got "2.0.0"'],
    ['inherited name is no version', (m: any) => { m.models.digits.channels.stable.version = 'toString'; },
      'channels.stable.version: expected a version listed in versions'],
    ['no inputs', (m: any) => { v1(m).inputs = []; }, 'versions.1.0.0.inputs: expected an array with at least 1 item(s), got an array of 0'],
    ['shape dimension', (m: any) => { v1(m).inputs[0].shape[1] = 2.5; }, 'inputs[0].shape[1]: expected an integer >= 0, got number 2.5'],
    ['dtype', (m: any) => { v1(m).outputs[0].dtype = 'float64'; }, 'outputs[0].dtype: expected one of "float32", "int32", "bool", got "float64"'],
    ['image channels', (m: any) => { v1(m).inputs[0].image.channels = 4; }, 'inputs[0].image.channels: expected one of 1, 3, got number 4'],
    ['image height', (m: any) => { v1(m).inputs[0].image.height = 0; }, 'inputs[0].image.height: expected an integer >= 1, got number 0'],
    ['optional field set to null', (m: any) => { v1(m).inputs[0].image.scale = null; }, 'inputs[0].image.scale: expected a number, got null'],
    ['features vs shape', (m: any) => { m.models.digits.versions['1.1.0'].inputs[0].features.push('e'); },
      'versions.1.1.0.inputs[0].features: expected 4 feature names (the last dimension of shape), got an array of 5'],
    ['empty label', (m: any) => { v1(m).outputs[0].labels[1] = ''; }, 'outputs[0].labels[1]: expected a non-empty string, got ""'],
    ['duplicate file', (m: any) => { v1(m).files[1].path = 'model.json'; }, 'files[1].path: expected a path listed once, got "model.json"'],
    ['model.json named by url', (m: any) => { v1(m).url = 'digits/1.0.0/net.json?v=2'; },
      'versions.1.0.0.files: expected an entry for "net.json" itself'],
    ['proportion range', (m: any) => { v1(m).baseline.prediction.expected[0] = 1.5; },
      'baseline.prediction.expected[0]: expected a number >= 0 <= 1, got number 1.5'],
    ['edge not a number', (m: any) => { v1(m).baseline.features[0].edges[0] = 'x'; }, 'baseline.features[0].edges[0]: expected a number, got "x"'],
    ['importance value', (m: any) => { v1(m).baseline.importance = { mean: Infinity }; }, 'baseline.importance.mean: expected a number, got number Infinity'],
    ['notes type', (m: any) => { v1(m).notes = ['x']; }, 'versions.1.0.0.notes: expected a string, got an array of 1'],
    ['long strings are cut', (m: any) => { v1(m).format = 'x'.repeat(50); }, `got "${'x'.repeat(40)}…"`],
  ])('names the field and what was expected: %s', (_name, mutate, expected) => {
    expect(messageOf(mutate as (m: any) => unknown)).toContain(expected);
  });

  it('reports the first problem in field order, with its path on the error', () => {
    const m = manifest();
    m.models.digits.versions['1.0.0'].files[0].sha256 = 'x'; // checked before...
    m.models.digits.versions['1.0.0'].inputs = 'x'; // ...the later field
    const err = (() => { try { validateManifest(m); } catch (e) { return e as ManifestError; } })();
    expect(err?.path).toBe('models.digits.versions.1.0.0.files[0].sha256');
  });
});

describe('resolveUrl', () => {
  it('resolves against absolute and path-only bases', () => {
    expect(resolveUrl('digits/1/model.json', 'https://cdn.example/m/manifest.json')).toBe('https://cdn.example/m/digits/1/model.json');
    expect(resolveUrl('digits/1/model.json', '/models/manifest.json')).toBe('/models/digits/1/model.json');
    expect(resolveUrl('shard.bin', '/models/digits/1/model.json')).toBe('/models/digits/1/shard.bin');
    expect(resolveUrl('https://other.example/a.json', '/models/manifest.json')).toBe('https://other.example/a.json');
  });
});

describe('staged rollout', () => {
  const ids = Array.from({ length: 10_000 }, (_, i) => `install-${i}`);

  it('is stable per install and model', () => {
    expect(rolloutBucket('abc', 'digits')).toBe(rolloutBucket('abc', 'digits'));
    const same = ids.slice(0, 1000).filter((id) => rolloutBucket(id, 'digits') === rolloutBucket(id, 'penguins')).length;
    expect(same).toBeLessThan(5); // models are bucketed independently
  });

  // Tolerance: 4 standard deviations of a binomial(10000, p) share, at most 2 points.
  it.each([1, 5, 10, 25, 50, 90])('serves the candidate to %s percent of 10,000 installs within 4 sigma', (percent) => {
    const ch = { version: '1', candidate: { version: '2', percent } };
    const share = ids.filter((id) => pickVersion(ch, rolloutBucket(id, 'digits')).variant === 'candidate').length / ids.length;
    const sigma = Math.sqrt((percent / 100) * (1 - percent / 100) / ids.length);
    expect(Math.abs(share - percent / 100)).toBeLessThanOrEqual(4 * sigma);
  });

  it('kill switch sends everyone to stable; raising the percentage keeps earlier candidates', () => {
    const ch = { version: '1', candidate: { version: '2', percent: 50 }, killSwitch: true };
    expect(ids.every((id) => pickVersion(ch, rolloutBucket(id, 'digits')).version === '1')).toBe(true);
    const at10 = ids.filter((id) => pickVersion({ version: '1', candidate: { version: '2', percent: 10 } }, rolloutBucket(id, 'd')).variant === 'candidate');
    expect(at10.every((id) => pickVersion({ version: '1', candidate: { version: '2', percent: 20 } }, rolloutBucket(id, 'd')).variant === 'candidate')).toBe(true);
  });
});
