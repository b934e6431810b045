// The models the page offers: every (model, channel) of the manifest, plus a folder the user
// dropped. The SDK loads them; the page reads the manifest itself only to list them and to
// find each model's labelled sample set.
import type { InputSpec, Manifest, ModelVersion, OutputSpec } from '../../src/index.js';

export const MANIFEST_URL = '/models/manifest.json';

export interface SampleSet {
  model?: string;
  shape: number[];
  labels: string[];
  features?: string[];
  source?: string;
  samples: { input: number[]; label: string }[];
}

/** What the page knows about the model it is about to load. */
export interface ModelChoice {
  /** Manifest id, or the dropped folder's name. */
  id: string;
  /** Manifest channel; null for a dropped folder (loaded by URL). */
  channel: string | null;
  /** model.json URL for dropped folders. */
  url?: string;
  /** Version entry the channel points at (the SDK may still pick a rollout candidate). */
  entry?: ModelVersion;
  /** That entry's version, e.g. "1.0.0+uint8". */
  version?: string;
  description?: string;
  inputs?: InputSpec[];
  outputs?: OutputSpec[];
  /** One example's shape, without the batch dimension. */
  exampleShape: number[];
  /** Dropped folders: content version and labels file (dropped.ts). */
  dropped?: import('./dropped.js').DroppedInfo;
}

export async function fetchManifest(): Promise<Manifest> {
  const res = await fetch(MANIFEST_URL);
  if (!res.ok) throw new Error(`${MANIFEST_URL}: HTTP ${res.status}; the models helper writes it (models/manifest.json)`);
  return (await res.json()) as Manifest;
}

export function choicesOf(manifest: Manifest): ModelChoice[] {
  const out: ModelChoice[] = [];
  for (const [id, m] of Object.entries(manifest.models)) {
    for (const [channel, c] of Object.entries(m.channels)) {
      const entry = m.versions[c.version];
      if (!entry) continue;
      out.push({
        id, channel, entry, version: c.version, description: m.description, inputs: entry.inputs, outputs: entry.outputs,
        exampleShape: (entry.inputs[0]?.shape ?? []).slice(1),
      });
    }
  }
  return out;
}

/** 'image' | 'tabular' | 'tensor', from the input spec. */
export function kindOf(choice: ModelChoice): 'image' | 'tabular' | 'tensor' {
  const spec = choice.inputs?.[0];
  if (spec?.kind) return spec.kind;
  if (spec?.image) return 'image';
  if (spec?.features) return 'tabular';
  return 'tensor';
}

/**
 * The labelled samples shipped with a manifest model: <id>/samples.json beside the manifest
 * (the models/ convention), else samples.json in the version's folder or one of its parents.
 */
export async function fetchSamples(choice: ModelChoice): Promise<{ url: string; set: SampleSet } | null> {
  if (!choice.entry) return null;
  const manifest = new URL(MANIFEST_URL, location.href);
  const manifestDir = new URL('.', manifest).href;
  const candidates = [new URL(`${choice.id}/samples.json`, manifestDir).href];
  for (let dir = new URL('.', new URL(choice.entry.url, manifest)); dir.href.startsWith(manifestDir); dir = new URL('..', dir)) {
    candidates.push(new URL('samples.json', dir).href);
    if (dir.href === manifestDir) break;
  }
  for (const url of new Set(candidates)) {
    const res = await fetch(url).catch(() => null);
    const set = res?.ok ? await res.json().catch(() => null) as SampleSet | null : null;
    if (set && Array.isArray(set.samples)) return { url, set };
  }
  return null;
}

/** An example of the right shape when there is no sample set (dropped folders). */
export function randomExample(shape: number[]): Float32Array {
  const n = shape.reduce((a, d) => a * Math.max(1, d), 1);
  return Float32Array.from({ length: n }, () => Math.random());
}
