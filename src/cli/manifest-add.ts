// `inferscope manifest add <model.json> --id <id> --version <semver> [--channel stable] --manifest <file>`
import { dirname, relative, resolve, sep } from 'node:path';
import type { InputSpec, ModelVersion, OutputSpec, Quantization } from '../protocol/manifest-types.js';
import { InferScopeError } from '../sdk/errors.js';
import { type Command, parseFlags, progress, requireFlag, UsageError } from './command.js';
import { hashFiles } from './hash-files.js';
import { readManifest, writeManifest } from './manifest-file.js';
import { readModelFolder } from './model-files.js';

// semver 2.0.0, prerelease and build metadata included (e.g. 1.0.0+uint8).
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

const help = `Usage: inferscope manifest add <model.json> --id <id> --version <semver> --manifest <file> [options]

Adds one model version to a manifest (created if missing): SHA-256 and byte size of
model.json and every shard, format, quantization, input and output specs (shape, dtype,
feature names, labels). Labels, feature names and the input kind come from the model's
userDefinedMetadata.inferscope when present, or from the flags below. Re-adding a version
with identical files is a no-op (its baseline is kept); different files are refused.

Options:
  --id <id>              model id (no "@", "/" or spaces)                          (required)
  --version <semver>     e.g. 1.0.0 or 1.0.0+uint8                                 (required)
  --manifest <file>      manifest.json to update                                  (required)
  --channel <name>       point this channel (e.g. stable) at the version
  --candidate <channel>  make the version the rollout candidate of a channel...
  --percent <n>          ...served to n% of installs (0-100, default 10)
  --labels <a,b,...>     output labels, in output order
  --features <a,b,...>   tabular input feature names, in input order
  --kind <k>             image | tabular | tensor
  --description <text>   model description
  --notes <text>         free text stored with the version (accuracy, data set, ...)
  -h, --help             show this help

Example:
  inferscope manifest add models/digits/1.0.0/uint8/model.json --id digits \\
    --version 1.0.0+uint8 --channel stable --manifest models/manifest.json`;

const list = (v: unknown) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined);

function sameFiles(a: ModelVersion['files'], b: ModelVersion['files']): string | undefined {
  const key = (f: ModelVersion['files'][number]) => `${f.path} ${f.sha256} ${f.bytes}`;
  const ka = new Set(a.map(key));
  const diff = b.find((f) => !ka.has(key(f))) ?? (a.length !== b.length ? a[0] : undefined);
  return diff ? diff.path : undefined;
}

export const manifestAddCommand: Command = {
  name: 'manifest add',
  summary: 'hash a model version into a manifest (files, specs, channels)',
  help,
  async run(argv, io) {
    const { values: v, positionals } = parseFlags(argv, {
      id: { type: 'string' }, version: { type: 'string' }, manifest: { type: 'string' }, channel: { type: 'string' },
      candidate: { type: 'string' }, percent: { type: 'string' }, labels: { type: 'string' }, features: { type: 'string' },
      kind: { type: 'string' }, description: { type: 'string' }, notes: { type: 'string' }, backend: { type: 'string' },
    });
    if (v.help) return io.out(help + '\n'), 0;
    if (positionals.length !== 1) throw new UsageError('expected exactly one <model.json>');
    const id = requireFlag(v.id, '--id');
    if (!/^[^@/\s]+$/.test(id)) throw new UsageError(`--id "${id}" may not contain "@", "/" or spaces`);
    const version = requireFlag(v.version, '--version');
    if (!SEMVER.test(version)) throw new UsageError(`--version "${version}" is not a semantic version (like 1.0.0 or 1.0.0+uint8)`);
    const manifestPath = resolve(requireFlag(v.manifest, '--manifest'));
    const percent = v.percent === undefined ? 10 : Number(v.percent);
    if (!(percent >= 0 && percent <= 100)) throw new UsageError(`--percent must be between 0 and 100, got "${v.percent}"`);
    if (v.percent !== undefined && !v.candidate) throw new UsageError('--percent needs --candidate <channel>');
    const kindFlag = v.kind as string | undefined;
    if (kindFlag && !['image', 'tabular', 'tensor'].includes(kindFlag)) throw new UsageError(`--kind must be image, tabular or tensor, got "${kindFlag}"`);

    const folder = await readModelFolder(positionals[0]!);
    const manifest = await readManifest(manifestPath, { create: true });
    const files = await hashFiles(dirname(folder.path), folder.files, progress(io, 'hashing'));
    const { loadModel } = await import('./load-model.js');
    const model = await loadModel(folder.path, { backend: v.backend === 'cpu' ? 'cpu' : 'wasm' });
    model.dispose();
    const meta = model.meta;
    const kind = (kindFlag ?? meta.kind ?? (meta.image ? 'image' : 'tensor')) as NonNullable<InputSpec['kind']>;
    const input: InputSpec = { name: model.inputName, shape: [-1, ...model.inputShape], dtype: model.inputDtype, kind };
    const features = list(v.features) ?? meta.features;
    if (features) input.features = features;
    if (kind === 'image') {
      const [h, w, c] = model.inputShape;
      input.image = meta.image ?? { height: h!, width: w!, channels: (c === 3 ? 3 : 1) as 1 | 3 };
    }
    const output: OutputSpec = { name: model.outputName, shape: [-1, ...model.outputShape], dtype: model.outputDtype };
    const labels = list(v.labels) ?? meta.labels;
    if (labels) output.labels = labels;
    const q = folder.groups.flatMap((g) => g.weights).find((w) => w.quantization)?.quantization?.dtype;
    const entry: ModelVersion = {
      url: relative(dirname(manifestPath), folder.path).split(sep).join('/'),
      format: folder.format,
      quantization: (q ?? 'none') as Quantization,
      files,
      inputs: [input],
      outputs: [output],
      createdAt: new Date().toISOString(),
    };
    if (typeof v.notes === 'string') entry.notes = v.notes;

    const m = (manifest.models[id] ??= { channels: {}, versions: {} });
    if (typeof v.description === 'string') m.description = v.description;
    const existing = m.versions[version];
    if (existing) {
      const differs = sameFiles(existing.files, files);
      if (differs) {
        throw new InferScopeError(
          'INPUT_INVALID',
          `${manifestPath}: ${id}@${version} already exists with different files ("${differs}" differs); versions are immutable, add this model under a new --version`,
        );
      }
      if (entry.notes) existing.notes = entry.notes;
      io.out(`${id}@${version}: files unchanged, entry kept\n`);
    } else {
      m.versions[version] = entry;
      io.out(`${id}@${version}: ${files.length} file(s), ${files.reduce((n, f) => n + f.bytes, 0)} bytes, ${entry.format}, quantization ${entry.quantization}\n`);
    }
    if (typeof v.channel === 'string') {
      m.channels[v.channel] = { ...m.channels[v.channel], version };
      io.out(`channel ${v.channel} -> ${version}\n`);
    }
    if (typeof v.candidate === 'string') {
      const ch = m.channels[v.candidate];
      if (!ch) throw new UsageError(`--candidate ${v.candidate}: no such channel in ${id} (add a version with --channel ${v.candidate} first)`);
      ch.candidate = { version, percent };
      io.out(`channel ${v.candidate}: candidate ${version} at ${percent}%\n`);
    }
    await writeManifest(manifestPath, manifest);
    io.out(`wrote ${manifestPath}\n`);
    return 0;
  },
};
