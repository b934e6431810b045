// URL helpers for manifests and model.json files. Isomorphic: no DOM, no Node APIs. Apart from
// the manifest validator (manifest.ts) because the SDK's core needs these on every load, the
// validator only when a manifest arrives over the network (it is a lazy chunk there).

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

/** The last path segment of a model.json URL: the name its own `files` entry carries. */
export function modelJsonName(url: string): string {
  return url.split(/[?#]/)[0]!.split('/').pop() || 'model.json';
}
