// The collector reads the model manifest for drift baselines and as the base of the live
// manifest (releases/). It is re-read at
// most once per `ttlMs`; a failed re-read keeps the last good copy (and says so).
import { readFile } from 'node:fs/promises';
import { validateManifest } from '../protocol/manifest.js';
import type { Baseline, Manifest } from '../protocol/manifest-types.js';

export interface ManifestSource {
  /** Baseline of model@version, or a reason why there is none. */
  baseline(model: string, version: string): Promise<{ baseline: Baseline } | { baseline: null; reason: string }>;
  /** The whole base manifest (last good copy), or null with the reason. */
  manifest(): Promise<{ manifest: Manifest; error: null } | { manifest: null; error: string }>;
}

export function manifestSource({ location, ttlMs = 60_000 }: { location: string | undefined; ttlMs?: number }): ManifestSource {
  let cached: { at: number; manifest: Manifest | null; error: string | null } | null = null;
  let loading: Promise<void> | null = null;

  async function load(): Promise<void> {
    if (!location) { cached = { at: Date.now(), manifest: null, error: 'no manifest configured (--manifest)' }; return; }
    try {
      const text = /^https?:\/\//.test(location)
        ? await fetch(location, { signal: AbortSignal.timeout(10_000) }).then((r) => { if (!r.ok) throw new Error(`HTTP ${r.status}`); return r.text(); })
        : await readFile(location, 'utf8');
      cached = { at: Date.now(), manifest: validateManifest(JSON.parse(text)), error: null };
    } catch (err) {
      cached = { at: Date.now(), manifest: cached?.manifest ?? null, error: `manifest ${location}: ${(err as Error).message}` };
    }
  }

  async function fresh() {
    if (!cached || Date.now() - cached.at > ttlMs) {
      loading ??= load().finally(() => { loading = null; });
      await loading;
    }
    return cached!;
  }

  return {
    async manifest() {
      const c = await fresh();
      return c.manifest ? { manifest: c.manifest, error: null } : { manifest: null, error: c.error ?? 'no manifest' };
    },
    async baseline(model, version) {
      await fresh();
      const m = cached!.manifest;
      if (!m) return { baseline: null, reason: cached!.error ?? 'no manifest' };
      // Ids come from clients: only the manifest's own entries count ("constructor" is not a model).
      const entry = Object.hasOwn(m.models, model) ? m.models[model] : undefined;
      const v = entry && Object.hasOwn(entry.versions, version) ? entry.versions[version] : undefined;
      if (!v) return { baseline: null, reason: `${model}@${version} is not in the manifest` };
      if (!v.baseline) return { baseline: null, reason: `${model}@${version} has no baseline in the manifest` };
      return { baseline: v.baseline };
    },
  };
}
