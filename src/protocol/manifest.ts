// Manifest validation and the small pure helpers both sides need (URL
// resolution, rollout buckets). Isomorphic: no DOM, no Node APIs.
//
// Hand-written rather than a schema library: the whole SDK has a 15 KB
// (min+brotli) budget, and this validator costs about 1.9 KB there while
// producing messages that name the exact field path ("models.digits.versions.1.0.0.files[2].sha256").
import type { Channel, Manifest, ModelVersion } from './manifest-types.js';

type Obj = Record<string, unknown>;

/** Thrown by validateManifest; `path` is the field that failed. The SDK wraps it as MANIFEST_INVALID. */
export class ManifestError extends Error {
  readonly path: string;
  constructor(path: string, expected: string, got: unknown) {
    super(`manifest ${path || '(root)'}: expected ${expected}, got ${describe(got)}`);
    this.name = 'ManifestError';
    this.path = path;
  }
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing (missing)';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

const fail = (path: string, expected: string, got: unknown): never => {
  throw new ManifestError(path, expected, got);
};
const at = (path: string, key: string | number) =>
  typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key;

function obj(v: unknown, path: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'an object', v);
  return v as Obj;
}
function arr(v: unknown, path: string, min = 0): unknown[] {
  if (!Array.isArray(v) || v.length < min) fail(path, min ? `an array with at least ${min} item(s)` : 'an array', v);
  return v as unknown[];
}
function str(v: unknown, path: string, re?: RegExp, what = 'a non-empty string'): string {
  if (typeof v !== 'string' || !v || (re && !re.test(v))) fail(path, what, v);
  return v as string;
}
function num(v: unknown, path: string, min = -Infinity, max = Infinity, int = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (int && !Number.isInteger(v))) {
    fail(path, `a${int ? 'n integer' : ' number'}${min > -Infinity ? ` >= ${min}` : ''}${max < Infinity ? ` <= ${max}` : ''}`, v);
  }
  return v as number;
}
function oneOf<T extends string | number>(v: unknown, path: string, options: readonly T[]): T {
  if (!options.includes(v as T)) fail(path, `one of ${options.map((o) => JSON.stringify(o)).join(', ')}`, v);
  return v as T;
}
function opt<T>(o: Obj, key: string, path: string, check: (v: unknown, p: string) => T): T | undefined {
  return o[key] === undefined ? undefined : check(o[key], at(path, key));
}
const bool = (v: unknown, path: string) => (typeof v === 'boolean' ? v : fail(path, 'true or false', v));
const strings = (v: unknown, path: string) => arr(v, path).map((s, i) => str(s, at(path, i)));

const HEX64 = /^[0-9a-f]{64}$/;
// A key used in "id@version" cache keys and in URLs: no '@', '/', whitespace.
const NAME = /^[^@/\s]+$/;

/** The last path segment of a model.json URL: the name its own `files` entry carries. */
export function modelJsonName(url: string): string {
  return url.split(/[?#]/)[0]!.split('/').pop() || 'model.json';
}

function shape(v: unknown, path: string): number[] {
  return arr(v, path).map((d, i) => (d === -1 ? -1 : num(d, at(path, i), 0, Infinity, true)));
}

function lastDimMatches(list: unknown[] | undefined, dims: number[], path: string, what: string) {
  const last = dims[dims.length - 1];
  if (list && last !== undefined && last > 0 && list.length !== last) {
    fail(path, `${last} ${what} (the last dimension of shape)`, list);
  }
}

function tensorSpec(v: unknown, path: string, input: boolean) {
  const o = obj(v, path);
  str(o.name, at(path, 'name'));
  const dims = shape(o.shape, at(path, 'shape'));
  oneOf(o.dtype, at(path, 'dtype'), ['float32', 'int32', 'bool']);
  if (input) {
    opt(o, 'kind', path, (k, p) => oneOf(k, p, ['image', 'tabular', 'tensor']));
    lastDimMatches(opt(o, 'features', path, strings), dims, at(path, 'features'), 'feature names');
    opt(o, 'image', path, (im, p) => {
      const i = obj(im, p);
      num(i.height, at(p, 'height'), 1, Infinity, true);
      num(i.width, at(p, 'width'), 1, Infinity, true);
      oneOf(i.channels, at(p, 'channels'), [1, 3]);
      opt(i, 'scale', p, num);
      opt(i, 'offset', p, num);
      opt(i, 'invert', p, bool);
    });
  } else {
    lastDimMatches(opt(o, 'labels', path, strings), dims, at(path, 'labels'), 'labels');
  }
}

function proportions(v: unknown, path: string, n: number) {
  const a = arr(v, path);
  if (a.length !== n) fail(path, `${n} proportions`, a);
  a.forEach((p, i) => num(p, at(path, i), 0, 1));
}

function baseline(v: unknown, path: string) {
  const b = obj(v, path);
  num(b.sampleCount, at(path, 'sampleCount'), 0, Infinity, true);
  arr(b.features, at(path, 'features')).forEach((f, i) => {
    const p = at(at(path, 'features'), i);
    const o = obj(f, p);
    str(o.name, at(p, 'name'));
    opt(o, 'index', p, (x, q) => num(x, q, 0, Infinity, true));
    opt(o, 'summary', p, (x, q) => oneOf(x, q, ['mean', 'ink', 'std']));
    const edges = arr(o.edges, at(p, 'edges')).map((e, j) => num(e, at(at(p, 'edges'), j)));
    edges.forEach((e, j) => j > 0 && e <= edges[j - 1]! && fail(at(at(p, 'edges'), j), `a number > ${edges[j - 1]} (edges ascend)`, e));
    proportions(o.expected, at(p, 'expected'), edges.length + 1);
  });
  const pr = obj(b.prediction, at(path, 'prediction'));
  const labels = strings(pr.labels, at(at(path, 'prediction'), 'labels'));
  proportions(pr.expected, at(at(path, 'prediction'), 'expected'), labels.length);
  opt(b, 'importance', path, (m, p) => Object.entries(obj(m, p)).forEach(([k, x]) => num(x, at(p, k))));
}

function version(v: unknown, path: string): ModelVersion {
  const o = obj(v, path);
  const url = str(o.url, at(path, 'url'));
  oneOf(o.format, at(path, 'format'), ['graph-model', 'layers-model']);
  oneOf(o.quantization, at(path, 'quantization'), ['none', 'uint8', 'uint16', 'float16']);
  const fp = at(path, 'files');
  const files = arr(o.files, fp, 1).map((f, i) => {
    const p = at(fp, i);
    const e = obj(f, p);
    // Paths are relative to model.json and may not climb out of its folder: the cache and
    // the integrity check both assume a version's files live under one base URL.
    const path_ = str(e.path, at(p, 'path'), /^(?![/\\]|.*(^|\/)\.\.(\/|$)|[a-z][a-z0-9+.-]*:)/i, 'a relative path without ".." (relative to model.json)');
    str(e.sha256, at(p, 'sha256'), HEX64, '64 lowercase hex characters (SHA-256)');
    num(e.bytes, at(p, 'bytes'), 0, Infinity, true);
    return path_;
  });
  const own = modelJsonName(url);
  if (!files.includes(own)) fail(fp, `an entry for "${own}" itself (the file named by url), so model.json is verified too`, o.files);
  files.forEach((f, i) => files.indexOf(f) !== i && fail(at(at(fp, i), 'path'), 'a path listed once', f));
  arr(o.inputs, at(path, 'inputs'), 1).forEach((s, i) => tensorSpec(s, at(at(path, 'inputs'), i), true));
  arr(o.outputs, at(path, 'outputs'), 1).forEach((s, i) => tensorSpec(s, at(at(path, 'outputs'), i), false));
  opt(o, 'baseline', path, baseline);
  opt(o, 'createdAt', path, str);
  opt(o, 'notes', path, (n, p) => (typeof n === 'string' ? n : fail(p, 'a string', n)));
  return o as unknown as ModelVersion;
}

function channel(v: unknown, path: string, versions: Obj): Channel {
  const o = obj(v, path);
  const known = `a version listed in versions (${Object.keys(versions).join(', ')})`;
  const ref = (x: unknown, p: string) => (typeof x === 'string' && Object.hasOwn(versions, x) ? x : fail(p, known, x));
  ref(o.version, at(path, 'version'));
  opt(o, 'candidate', path, (c, p) => {
    const co = obj(c, p);
    ref(co.version, at(p, 'version'));
    num(co.percent, at(p, 'percent'), 0, 100);
  });
  opt(o, 'killSwitch', path, bool);
  return o as unknown as Channel;
}

/**
 * Checks a parsed manifest.json and returns it typed. Unknown fields are ignored (newer
 * writers may add some); missing or malformed ones throw a ManifestError whose message
 * names the field path and what was expected.
 * @example
 * const manifest = validateManifest(await (await fetch('/models/manifest.json')).json());
 */
export function validateManifest(json: unknown): Manifest {
  const root = obj(json, '');
  oneOf(root.schemaVersion, 'schemaVersion', [1]);
  const models = obj(root.models, 'models');
  for (const [id, m] of Object.entries(models)) {
    const path = at('models', id);
    str(id, path, NAME, 'a model id without "@", "/" or spaces');
    const mo = obj(m, path);
    opt(mo, 'description', path, (d, p) => (typeof d === 'string' ? d : fail(p, 'a string', d)));
    const versions = obj(mo.versions, at(path, 'versions'));
    for (const [name, v] of Object.entries(versions)) {
      str(name, at(at(path, 'versions'), name), NAME, 'a version name without "@", "/" or spaces');
      version(v, at(at(path, 'versions'), name));
    }
    const channels = obj(mo.channels, at(path, 'channels'));
    for (const [name, c] of Object.entries(channels)) channel(c, at(at(path, 'channels'), name), versions);
  }
  return json as Manifest;
}

/**
 * Resolves `ref` against `base` (a manifest or model.json URL). Works with relative bases
 * such as "/models/manifest.json" too, and then returns a relative result.
 */
export function resolveUrl(ref: string, base: string): string {
  // URL needs an absolute base; a placeholder origin keeps path-only bases working
  // without assuming a DOM `location` (this module also runs in Node and workers).
  const fake = 'http://inferscope.invalid';
  const absBase = /^[a-z][a-z0-9+.-]*:/i.test(base);
  const u = new URL(ref, absBase ? base : new URL(base, fake + '/'));
  return absBase || u.origin !== fake ? u.href : u.href.slice(fake.length);
}

/**
 * A stable bucket in [0, 10000) for (install id, model id): the same install always lands in the
 * same bucket for a model, and different models spread independently. FNV-1a with a murmur3
 * finalizer, so short sequential ids still spread evenly.
 */
export function rolloutBucket(installId: string, modelId: string): number {
  let h = 0x811c9dc5;
  const s = `${modelId}\u0000${installId}`;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) % 10000;
}

/**
 * Which version of a channel an install gets: the candidate when it is on (no kill switch) and the
 * bucket falls under its percentage (bucket / 100 < percent), otherwise the channel's version.
 */
export function pickVersion(ch: Channel, bucket: number): { version: string; variant: 'stable' | 'candidate' } {
  const c = ch.candidate;
  return c && !ch.killSwitch && c.version !== ch.version && bucket < c.percent * 100
    ? { version: c.version, variant: 'candidate' }
    : { version: ch.version, variant: 'stable' };
}
