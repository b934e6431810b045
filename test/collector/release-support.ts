// Shared by the release tests: a manifest with digits 1.0.0 (stable) and a 1.1.0 candidate,
// a compressed release policy, and batches that carry both variants with exact counts.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Manifest } from '../../src/protocol/manifest-types.js';
import type { ModelAggregate } from '../../src/protocol/wire-types.js';
import { validateReleases } from '../../src/collector/releases/policy.js';
import { latencySketch, makeBatch, modelAggregate, testManifest } from './helpers.js';

export function releaseManifest(): Manifest {
  const m = testManifest();
  const d = m.models.digits!;
  d.versions['1.1.0'] = { ...d.versions['1.0.0']!, url: 'digits/1.1.0/model.json' };
  d.channels.stable = { version: '1.0.0', candidate: { version: '1.1.0', percent: 10 } };
  return m;
}

export function writeManifest(m: Manifest = releaseManifest()): string {
  const dir = mkdtempSync(join(tmpdir(), 'inferscope-release-'));
  const file = join(dir, 'manifest.json');
  writeFileSync(file, JSON.stringify(m));
  return file;
}

/** Steps 10, 50, 100; 40 candidate predictions per step; thresholds low enough for a test. */
export function fastReleases(extra: Record<string, unknown> = {}) {
  return validateReleases({
    intervalSeconds: 0.1,
    manifestMaxAgeSeconds: 1,
    modelBaseUrl: 'https://cdn.example/models/',
    defaults: {
      steps: [10, 50, 100], minPredictions: 40, minStepSeconds: 0,
      checks: { errors: { minSamples: 40 }, latency: { minSamples: 20 }, shift: { minSamples: 40 }, accuracy: { minLabels: 40, required: true }, loads: { minSamples: 5 } },
    },
    ...extra,
  });
}

export interface VariantLoad { n: number; errors?: number; wrong?: number; latencyMs?: number }

/** One batch with `n` predictions of each variant, all labelled; `wrong` of the candidate's labels are wrong. */
export function releaseBatch(stable: VariantLoad, candidate: VariantLoad) {
  const agg = (variant: 'stable' | 'candidate', version: string, v: VariantLoad): ModelAggregate => {
    const lat = latencySketch(Array.from({ length: v.n }, (_, i) => (v.latencyMs ?? 5) + (i % 5)));
    const wrong = v.wrong ?? 0;
    return modelAggregate({
      version, variant, predictions: v.n, latency: lat, errors: v.errors ? { PREDICT_FAILED: v.errors } : {},
      classes: { '3': Math.ceil(v.n / 2), '7': Math.floor(v.n / 2) },
      confusion: [['3', '3', v.n - wrong], ...(wrong ? [['3', '7', wrong] as [string, string, number]] : [])],
    });
  };
  const models = [agg('stable', '1.0.0', stable)];
  if (candidate.n > 0 || candidate.errors) models.push(agg('candidate', '1.1.0', candidate));
  return makeBatch({ models, loads: [] });
}
