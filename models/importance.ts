// Training-time global feature importance for a tabular model: mean |attribution| of each
// feature over the model's labelled samples, written into the manifest version's
// baseline.importance — what the collector compares live importance against.
// Run: node --import tsx models/importance.ts --model penguins [--version <v>]
//        [--manifest models/manifest.json] [--samples models/<model>/samples.json]
//        [--method auto|integrated-gradients|kernel-shap] [--limit 300] [--backend wasm|cpu] [--dry-run]
// The explanation settings are the SDK's defaults (what telemetry.explainSampleRate measures
// on devices), so the two figures are comparable.
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parseJsonFile } from '../src/cli/json-file.js';
import { fileLoader, writeFilesAtomically } from '../src/cli/model-files.js';
import { initTf } from '../src/cli/tf-node.js';
import type { Baseline, Manifest } from '../src/protocol/manifest-types.js';
import { validateManifest } from '../src/protocol/manifest.js';
import { explain, type ExplainableModel, type ExplainMethod } from '../src/sdk/explain/index.js';

export interface GlobalImportanceOptions {
  features: string[];
  baseline?: Baseline;
  method?: ExplainMethod | 'auto';
}

/** Mean |attribution| per feature over `rows` (each row one example), explaining each row's top class. */
export async function globalImportance(model: ExplainableModel, rows: number[][], { features, baseline, method = 'auto' }: GlobalImportanceOptions): Promise<Record<string, number>> {
  if (!rows.length) throw new Error('no sample rows to explain');
  const sums = new Float64Array(features.length);
  const background = baseline?.features.some((f) => f.index !== undefined) ? baseline : undefined;
  for (const row of rows) {
    const e = await explain(model, row, { features, background, method });
    e.attributions.forEach((a, i) => { sums[i] += Math.abs(a); });
  }
  // Rounded: the manifest is read by people too, and 4 significant digits is more than the estimate holds.
  return Object.fromEntries(features.map((f, i) => [f, Number((sums[i]! / rows.length).toPrecision(4))]));
}

async function main(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' }, version: { type: 'string' }, manifest: { type: 'string' }, samples: { type: 'string' },
      method: { type: 'string' }, limit: { type: 'string' }, backend: { type: 'string' }, 'dry-run': { type: 'boolean' },
    },
    strict: true,
  });
  const id = values.model;
  if (!id) throw new Error('--model <id> is required (a tabular model of the manifest, e.g. penguins)');
  const manifestPath = values.manifest ?? 'models/manifest.json';
  const manifest: Manifest = validateManifest(await parseJsonFile(manifestPath));
  const entry = manifest.models[id];
  if (!entry) throw new Error(`${manifestPath} has no model "${id}"; it has ${Object.keys(manifest.models).join(', ')}`);
  const versionId = values.version ?? entry.channels.stable?.version;
  const version = versionId ? entry.versions[versionId] : undefined;
  if (!version || !versionId) throw new Error(`model "${id}" has no version ${versionId ?? '(no stable channel: pass --version)'}`);
  const features = version.inputs[0]?.features;
  if (!features?.length) throw new Error(`${id}@${versionId}: inputs[0].features is missing; global importance is for tabular models with named features`);
  if (!version.baseline) throw new Error(`${id}@${versionId} has no baseline; build it first (inferscope baseline), importance is stored in it`);
  const method = (values.method ?? 'auto') as ExplainMethod | 'auto';
  if (!['auto', 'integrated-gradients', 'kernel-shap'].includes(method)) throw new Error(`--method must be auto, integrated-gradients or kernel-shap, got ${method}`);
  const backend = (values.backend ?? 'wasm') as 'wasm' | 'cpu';
  await initTf(backend);

  const samplesPath = values.samples ?? join(dirname(manifestPath), id, 'samples.json');
  const set = (await parseJsonFile(samplesPath)) as { samples?: { input: number[] }[] };
  const limit = Number(values.limit ?? 300);
  const rows = (set.samples ?? []).slice(0, limit).map((s) => s.input);
  const modelPath = resolve(dirname(manifestPath), version.url);
  const { loadLayersModel } = await import('@tensorflow/tfjs-layers');
  const { loadGraphModel } = await import('@tensorflow/tfjs-converter');
  const model: ExplainableModel & { dispose(): void } = version.format === 'graph-model'
    ? await loadGraphModel(fileLoader(modelPath))
    : await loadLayersModel(fileLoader(modelPath));
  const t0 = performance.now();
  const importance = await globalImportance(model, rows, { features, baseline: version.baseline, method });
  model.dispose();
  console.error(`${id}@${versionId}: ${rows.length} samples explained (${method}, ${backend}) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  console.log(JSON.stringify(importance));
  if (values['dry-run']) return;
  version.baseline.importance = importance;
  await writeFilesAtomically(dirname(manifestPath), [[basename(manifestPath), JSON.stringify(manifest, null, 2) + '\n']]);
  console.error(`wrote baseline.importance into ${manifestPath}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((err: Error) => { console.error(`importance: ${err.message}`); process.exit(1); });
}
