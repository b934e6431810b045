// `inferscope baseline <data.csv|data.json> --model <id>@<version> --manifest <file>`
import { dirname, resolve } from 'node:path';
import { imageSummary } from '../protocol/baseline.js';
import type { Baseline, FeatureBaseline } from '../protocol/manifest-types.js';
import { InferScopeError } from '../sdk/errors.js';
import { type Command, parseFlags, progress, requireFlag, UsageError } from './command.js';
import { hashFiles } from './hash-files.js';
import { readManifest, writeManifest } from './manifest-file.js';
import { binProportions, quantileEdges } from './quantiles.js';
import { readExamples } from './read-examples.js';

const help = `Usage: inferscope baseline <data.csv|data.json> --model <id>@<version> --manifest <file> [options]

Computes the training baseline that drift is measured against and stores it in the
manifest entry of that version ("baseline"):
  - per input feature (tabular models: each named feature; image models: the summary
    features mean intensity, ink fraction and std), bin edges at the training data's
    quantiles (--bins inner bins plus two open-ended bins) and the share of data per bin;
  - the expected prediction distribution (share of each predicted label).
The SDK bins live inputs with the same edges (binIndex / imageSummary in src/protocol).

Data: CSV with a header (columns named like the model's features, or pixel0..pixelN-1,
optional "label"), or JSON: an array of rows / {"samples": [{"input": [...]}]}.

Options:
  --model <id>@<version>  the manifest entry to update                          (required)
  --manifest <file>       manifest.json                                         (required)
  --bins <n>              inner bins per feature (default 10)
  --ink-threshold <x>     image pixels above x count as ink (default 0.5)
  --backend <b>           tfjs backend: wasm (default) or cpu
  -h, --help              show this help

Example:
  inferscope baseline models/penguins/train.json --model penguins@1.0.0+float16 \\
    --manifest models/manifest.json`;

export const baselineCommand: Command = {
  name: 'baseline',
  summary: 'compute drift baselines (bin edges, expected proportions) into a manifest',
  help,
  async run(argv, io) {
    const { values: v, positionals } = parseFlags(argv, {
      model: { type: 'string' }, manifest: { type: 'string' }, bins: { type: 'string' },
      'ink-threshold': { type: 'string' }, backend: { type: 'string' },
    });
    if (v.help) return io.out(help + '\n'), 0;
    if (positionals.length !== 1) throw new UsageError('expected exactly one data file (.csv or .json)');
    const ref = requireFlag(v.model, '--model');
    const at = ref.lastIndexOf('@');
    if (at <= 0 || at === ref.length - 1) throw new UsageError(`--model must be <id>@<version>, got "${ref}"`);
    const [id, version] = [ref.slice(0, at), ref.slice(at + 1)];
    const bins = v.bins === undefined ? 10 : Number(v.bins);
    if (!Number.isInteger(bins) || bins < 1 || bins > 100) throw new UsageError(`--bins must be an integer from 1 to 100, got "${v.bins}"`);
    const inkThreshold = v['ink-threshold'] === undefined ? 0.5 : Number(v['ink-threshold']);
    if (!Number.isFinite(inkThreshold)) throw new UsageError(`--ink-threshold must be a number, got "${v['ink-threshold']}"`);
    const manifestPath = resolve(requireFlag(v.manifest, '--manifest'));

    const manifest = await readManifest(manifestPath);
    const entry = manifest.models[id]?.versions[version];
    if (!entry) {
      const known = Object.keys(manifest.models[id]?.versions ?? {});
      throw new InferScopeError('MODEL_NOT_FOUND', `${manifestPath}: no ${id}@${version} (${known.length ? `versions of ${id}: ${known.join(', ')}` : `models: ${Object.keys(manifest.models).join(', ') || 'none'}`})`);
    }
    if (/^[a-z][a-z0-9+.-]*:/i.test(entry.url)) throw new UsageError(`${id}@${version} lives at ${entry.url}; baseline needs the model files on disk`);
    const modelJson = resolve(dirname(manifestPath), entry.url);
    // The baseline must describe the very bytes the manifest lists.
    const hashed = await hashFiles(dirname(modelJson), entry.files.map((f) => f.path));
    const bad = hashed.find((h, i) => h.sha256 !== entry.files[i]!.sha256 || h.bytes !== entry.files[i]!.bytes);
    if (bad) throw new InferScopeError('INTEGRITY', `${resolve(dirname(modelJson), bad.path)} does not match its SHA-256 in ${manifestPath}; re-run "manifest add" with a new version`);

    const input = entry.inputs[0]!;
    const size = input.shape.slice(1).reduce((a, b) => a * Math.max(1, b), 1);
    const tabular = input.kind === 'tabular' && input.features !== undefined;
    const ex = await readExamples(positionals[0]!, { size, features: tabular ? input.features : undefined });
    io.err(`baseline for ${id}@${version} from ${ex.n} examples\n`);

    const features: FeatureBaseline[] = [];
    const column = (get: (row: number) => number) => Float64Array.from({ length: ex.n }, (_, r) => get(r));
    if (input.kind === 'image') {
      const [h, w, c] = input.image ? [input.image.height, input.image.width, input.image.channels] : input.shape.slice(1);
      const summaries = Array.from({ length: ex.n }, (_, r) =>
        imageSummary(ex.values.subarray(r * size, (r + 1) * size), { height: h!, width: w!, channels: c ?? 1, inkThreshold }),
      );
      for (const s of ['mean', 'ink', 'std'] as const) {
        const col = column((r) => summaries[r]![s]);
        const edges = quantileEdges(col, bins);
        features.push({ name: s, summary: s, edges, expected: binProportions(col, edges) });
      }
    } else {
      const names = input.features ?? (size <= 64 ? Array.from({ length: size }, (_, i) => `x${i}`) : []);
      names.forEach((name, i) => {
        const col = column((r) => ex.values[r * size + i]!);
        const edges = quantileEdges(col, bins);
        features.push({ name, index: i, edges, expected: binProportions(col, edges) });
      });
    }

    const { loadModel, argmaxRows } = await import('./load-model.js');
    const model = await loadModel(modelJson, { backend: v.backend === 'cpu' ? 'cpu' : 'wasm' });
    const tick = progress(io, 'predicting');
    const counts: number[] = [];
    const chunk = 512;
    try {
      for (let s = 0; s < ex.n; s += chunk) {
        const n = Math.min(chunk, ex.n - s);
        const out = await model.predict(ex.values.subarray(s * size, (s + n) * size), n);
        for (const k of argmaxRows(out, n)) counts[k] = (counts[k] ?? 0) + 1;
        tick(s + n, ex.n);
      }
    } finally {
      model.dispose();
    }
    const k = model.outputShape.at(-1) ?? counts.length;
    const labels = entry.outputs[0]!.labels ?? Array.from({ length: k }, (_, i) => String(i));
    const baseline: Baseline = {
      sampleCount: ex.n,
      features,
      prediction: { labels, expected: labels.map((_, i) => Math.round(((counts[i] ?? 0) / ex.n) * 1e6) / 1e6) },
    };
    if (entry.baseline?.importance) baseline.importance = entry.baseline.importance;
    entry.baseline = baseline;
    await writeManifest(manifestPath, manifest);
    for (const f of features) io.out(`${f.name.padEnd(20)} ${f.edges.length + 1} bins, edges ${f.edges[0]} .. ${f.edges.at(-1)}\n`);
    io.out(`prediction: ${labels.map((l, i) => `${l} ${(baseline.prediction.expected[i]! * 100).toFixed(1)}%`).join(', ')}\n`);
    io.out(`wrote baseline of ${id}@${version} (${ex.n} examples) to ${manifestPath}\n`);
    return 0;
  },
};
