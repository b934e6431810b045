// Manifest validation. Isomorphic: no DOM, no Node APIs. The small helpers both sides need
// (resolve-url.ts, rollout.ts) are re-exported here; the SDK imports them from their own files
// so that this validator is a lazy chunk there, fetched while the manifest downloads.
//
// Hand-written rather than a schema library: the SDK's core has a 16.2 KB
// (min+brotli) budget. The shape of a manifest is written down once as plain
// objects (the specs below) and walked by one function, which keeps this file
// small in the bundle while every message names the exact field path
// ("models.digits.versions.1.0.0.files[2].sha256") and what was expected.
import type { Manifest } from './manifest-types.js';
import { modelJsonName } from './resolve-url.js';

export { modelJsonName, resolveUrl } from './resolve-url.js';
export { pickVersion, rolloutBucket } from './rollout.js';

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

// `any`: the walker checks an object's fields in spec order, so by the time a check
// reads a sibling (shape, edges, url, versions) that sibling has already passed.
type Obj = Record<string, any>;
/** A custom check: throws (via fail) when `v` is wrong; `parent` is the object holding it. */
type Check = (v: any, path: string, parent?: any) => unknown;
/**
 * What a value must be: a Check; an array of allowed literals; or an object spec, one spec
 * per field, checked in order ("key?" marks an optional field). Unknown fields are ignored.
 */
type Spec = Check | (string | number)[] | { [key: string]: Spec };

const fail = (path: string, expected: string, got: unknown): never => {
  throw new ManifestError(path, expected, got);
};
const at = (path: string, key: string | number) =>
  typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key;

function walk(v: unknown, spec: Spec, path: string, parent?: unknown): void {
  if (typeof spec === 'function') spec(v, path, parent);
  else if (Array.isArray(spec)) spec.includes(v as string) || fail(path, `one of ${spec.map((o) => JSON.stringify(o)).join(', ')}`, v);
  else {
    const o = obj(v, path);
    for (const k in spec) {
      const key = k.replace('?', '');
      if (key === k || o[key] !== undefined) walk(o[key], spec[k]!, at(path, key), o);
    }
  }
}

function obj(v: unknown, path: string): Obj {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : fail(path, 'an object', v);
}
function arr(v: unknown, path: string, min = 0): unknown[] {
  return Array.isArray(v) && v.length >= min ? v : fail(path, min ? `an array with at least ${min} item(s)` : 'an array', v);
}
/** A list whose items all match `spec`. */
const list = (spec: Spec, min?: number): Check => (v, path) =>
  arr(v, path, min).forEach((x, i) => walk(x, spec, at(path, i), v));
/** An object used as a map (models, versions, ...); `key` names what a key is, when keys are checked. */
const record = (spec: Spec, key?: string): Check => (v, path) => {
  for (const [k, x] of Object.entries(obj(v, path))) {
    // A key used in "id@version" cache keys and in URLs: no '@', '/', whitespace.
    if (key && !/^[^@/\s]+$/.test(k)) fail(at(path, k), `a ${key} without "@", "/" or spaces`, k);
    walk(x, spec, at(path, k), v);
  }
};
const matching = (re: RegExp, what: string): Check => (v, path) =>
  (typeof v === 'string' && v && re.test(v)) || fail(path, what, v);
// Number.isFinite / isInteger are false for non-numbers (no coercion), so they check the type too.
const num = (min = -Infinity, max = Infinity, int = false): Check => (v, path) =>
  !(int ? Number.isInteger(v) : Number.isFinite(v)) || v < min || v > max
    ? fail(path, `a${int ? 'n integer' : ' number'}${min > -Infinity ? ` >= ${min}` : ''}${max < Infinity ? ` <= ${max}` : ''}`, v)
    : v;

const str = matching(/^/, 'a non-empty string');
const is = (type: string, what: string): Check => (v, path) => typeof v === type || fail(path, what, v);
const text = is('string', 'a string');
const bool = is('boolean', 'true or false');
const count = num(0, Infinity, true);
const positive = num(1, Infinity, true);
const strings = list(str);

/** Names (features, labels) for a tensor: one per element of the last dimension, when it is fixed. */
const perLastDim = (what: string): Check => (v, path, tensor) => {
  strings(v, path, tensor);
  const last = tensor.shape[tensor.shape.length - 1];
  if (last > 0 && v.length !== last) fail(path, `${last} ${what} (the last dimension of shape)`, v);
};
const tensor = { name: str, shape: list((d, path) => d === -1 || count(d, path)), dtype: ['float32', 'int32', 'bool'] };
const input = {
  ...tensor,
  'kind?': ['image', 'tabular', 'tensor'],
  'features?': perLastDim('feature names'),
  'image?': { height: positive, width: positive, channels: [1, 3], 'scale?': num(), 'offset?': num(), 'invert?': bool, 'preprocess?': ['mnist-center'] },
};
const output = { ...tensor, 'labels?': perLastDim('labels') };

/** Shares of a histogram: `size(parent)` of them, each in [0, 1]. */
const proportions = (size: (parent: Obj) => number): Check => (v, path, parent) => {
  const n = size(parent);
  if (arr(v, path).length !== n) fail(path, `${n} proportions`, v);
  list(num(0, 1))(v, path, parent);
};
const edges: Check = (v, path, parent) => {
  list(num())(v, path, parent);
  v.forEach((e: number, i: number) => i && e <= v[i - 1] && fail(at(path, i), `a number > ${v[i - 1]} (edges ascend)`, e));
};
const baseline = {
  sampleCount: count,
  features: list({
    name: str,
    'index?': count,
    'summary?': ['mean', 'ink', 'std'],
    edges,
    expected: proportions((f) => f.edges.length + 1), // below the first edge, between edges, above the last
  }),
  prediction: { labels: strings, expected: proportions((p) => p.labels.length) },
  'importance?': record(num()),
};

const files: Check = (v, path, version) => {
  list({
    // Paths are relative to model.json and may not climb out of its folder: the cache and
    // the integrity check both assume a version's files live under one base URL.
    path: matching(/^(?![/\\]|[^]*(^|\/)\.\.(\/|$)|[a-z][a-z0-9+.-]*:)/i, 'a relative path without ".." (relative to model.json)'),
    sha256: matching(/^[0-9a-f]{64}$/, '64 lowercase hex characters (SHA-256)'),
    bytes: count,
  }, 1)(v, path, version);
  const names: string[] = v.map((f: Obj) => f.path);
  const own = modelJsonName(version.url);
  if (!names.includes(own)) fail(path, `an entry for "${own}" itself (the file named by url), so model.json is verified too`, v);
  names.forEach((f, i) => names.indexOf(f) < i && fail(at(at(path, i), 'path'), 'a path listed once', f));
};
const version = {
  url: str,
  format: ['graph-model', 'layers-model'],
  quantization: ['none', 'uint8', 'uint16', 'float16'],
  files,
  inputs: list(input, 1),
  outputs: list(output, 1),
  'baseline?': baseline,
  'createdAt?': str,
  'notes?': text,
};

// A channel may only name versions of its own model, so its spec is made per model.
const channels: Check = (v, path, model) => {
  const versions = model.versions;
  const ref: Check = (x, p) =>
    (typeof x === 'string' && Object.hasOwn(versions, x)) || fail(p, `a version listed in versions (${Object.keys(versions).join(', ')})`, x);
  record({ version: ref, 'candidate?': { version: ref, percent: num(0, 100) }, 'killSwitch?': bool })(v, path, model);
};
const manifest = {
  schemaVersion: [1],
  models: record({ 'description?': text, versions: record(version, 'version name'), channels }, 'model id'),
};

/**
 * Checks a parsed manifest.json and returns it typed. Unknown fields are ignored (newer
 * writers may add some); missing or malformed ones throw a ManifestError whose message
 * names the field path and what was expected.
 * @example
 * const manifest = validateManifest(await (await fetch('/models/manifest.json')).json());
 */
export function validateManifest(json: unknown): Manifest {
  walk(json, manifest, '');
  return json as Manifest;
}
