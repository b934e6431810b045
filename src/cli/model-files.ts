// Reading and writing TF.js model folders (model.json + binary shards) on disk, in the
// exact layout tfjs's converter writes: weightsManifest groups, `groupN-shardMofK.bin`
// files of at most 4 MiB. Every write goes to temp files first and is renamed into place
// last, so a failure never leaves a half-written model behind.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { io } from '@tensorflow/tfjs-core';
import { InferScopeError } from '../sdk/errors.js';
import { parseJsonFile } from './json-file.js';

type WeightsManifestEntry = io.WeightsManifestEntry;

/** tfjs-converter's default shard size (`--weight_shard_size_bytes`). */
export const DEFAULT_SHARD_BYTES = 4 * 1024 * 1024;

export interface WeightGroupData {
  weights: WeightsManifestEntry[];
  /** The group's shards, concatenated. */
  data: Uint8Array;
}

export interface ModelFolder {
  /** Absolute path of model.json. */
  path: string;
  format: 'layers-model' | 'graph-model';
  /** model.json parsed, without weightsManifest (kept as `groups`). */
  json: Record<string, unknown>;
  groups: WeightGroupData[];
  /** Every file of the model relative to model.json's folder, model.json first. */
  files: string[];
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2, complex64: 8 };

/** Bytes a weight takes in a shard; string tensors are length-prefixed, so they need the data. */
export function weightByteLength(w: WeightsManifestEntry, data?: Uint8Array, offset = 0): number {
  const count = w.shape.reduce((a, b) => a * b, 1);
  if (w.dtype === 'string') {
    if (!data) throw new Error('string weights need their data to be measured');
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    let at = offset;
    for (let i = 0; i < count; i++) at += 4 + view.getUint32(at, true);
    return at - offset;
  }
  const per = BYTES[w.quantization?.dtype ?? w.dtype];
  if (!per) throw new Error(`unknown dtype ${w.dtype}`);
  return count * per;
}

function notModel(file: string, why: string): never {
  throw new InferScopeError('MODEL_INVALID', `${file}: not a TF.js model: ${why}`);
}

/** The folder's format, checked the way tfjs's loaders check it. */
function detectFormat(file: string, json: Record<string, unknown>): ModelFolder['format'] {
  const topo = json.modelTopology;
  if (typeof topo !== 'object' || topo === null) notModel(file, 'no "modelTopology" object');
  if (!Array.isArray(json.weightsManifest)) notModel(file, 'no "weightsManifest" array');
  const t = topo as Record<string, unknown>;
  if (json.format === 'graph-model' || Array.isArray(t.node)) return 'graph-model';
  if (json.format === 'layers-model' || typeof t.class_name === 'string' || typeof t.model_config === 'object') {
    return 'layers-model';
  }
  return notModel(file, '"modelTopology" is neither a Keras model config nor a graph (no class_name, no node list)');
}

/** Reads model.json and all its shards; throws MODEL_INVALID naming the file that is wrong. */
export async function readModelFolder(modelJsonPath: string): Promise<ModelFolder> {
  const path = resolve(modelJsonPath);
  const json = (await parseJsonFile(path, 'MODEL_INVALID')) as Record<string, unknown>;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) notModel(path, 'the top level is not an object');
  const format = detectFormat(path, json);
  const dir = dirname(path);
  const files = [basename(path)];
  const groups: WeightGroupData[] = [];
  (json.weightsManifest as unknown[]).forEach((g, gi) => {
    const group = g as { paths?: unknown; weights?: unknown };
    if (!Array.isArray(group?.paths) || !Array.isArray(group.weights)) {
      notModel(path, `weightsManifest[${gi}] needs "paths" and "weights" arrays`);
    }
    (group.weights as unknown[]).forEach((w, wi) => {
      const e = w as WeightsManifestEntry;
      if (typeof e?.name !== 'string' || !Array.isArray(e.shape) || typeof e.dtype !== 'string') {
        notModel(path, `weightsManifest[${gi}].weights[${wi}] needs name, shape and dtype`);
      }
    });
    files.push(...(group.paths as string[]));
  });
  for (const [gi, g] of (json.weightsManifest as { paths: string[]; weights: WeightsManifestEntry[] }[]).entries()) {
    const parts: Uint8Array[] = [];
    for (const p of g.paths) {
      const shard = join(dir, p);
      if (!existsSync(shard)) {
        throw new InferScopeError('MODEL_INVALID', `${path}: weight shard "${p}" (weightsManifest[${gi}]) is missing: expected it at ${shard}`);
      }
      parts.push(new Uint8Array(await readFile(shard)));
    }
    const data = concat(parts);
    let need = 0;
    for (const w of g.weights) need += weightByteLength(w, data, need);
    if (need !== data.byteLength) {
      throw new InferScopeError(
        'MODEL_INVALID',
        `${path}: weightsManifest[${gi}] describes ${need} bytes of weights but its shards (${g.paths.join(', ')}) hold ${data.byteLength}`,
      );
    }
    groups.push({ weights: g.weights, data });
  }
  const { weightsManifest: _, ...rest } = json;
  return { path, format, json: rest, groups, files };
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

export interface WriteOptions {
  shardBytes?: number;
}

/**
 * Writes model.json + shards into `dir` (created if needed). Shards are named and split
 * as tfjs-converter names them. Returns the files written, model.json first.
 */
export async function writeModelFolder(
  dir: string,
  json: Record<string, unknown>,
  groups: WeightGroupData[],
  { shardBytes = DEFAULT_SHARD_BYTES }: WriteOptions = {},
): Promise<string[]> {
  const out: [string, Uint8Array][] = [];
  const manifest = groups.map((g, gi) => {
    const n = Math.max(1, Math.ceil(g.data.byteLength / shardBytes));
    const paths: string[] = [];
    for (let i = 0; i < n; i++) {
      const name = `group${gi + 1}-shard${i + 1}of${n}.bin`;
      paths.push(name);
      out.push([name, g.data.subarray(i * shardBytes, Math.min(g.data.byteLength, (i + 1) * shardBytes))]);
    }
    return { paths, weights: g.weights };
  });
  const modelJson = new TextEncoder().encode(JSON.stringify({ ...json, weightsManifest: manifest }));
  out.unshift(['model.json', modelJson]);
  await writeFilesAtomically(dir, out);
  return out.map(([name]) => name);
}

/**
 * Writes every file under a temp name, then renames them into place, model.json last
 * (a reader that sees the new model.json also sees its shards). Temps are removed on failure.
 */
export async function writeFilesAtomically(dir: string, files: [string, Uint8Array | string][]): Promise<void> {
  await mkdir(dir, { recursive: true });
  const tag = `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const temps: string[] = [];
  try {
    for (const [name, data] of files) {
      const tmp = join(dir, name + tag);
      temps.push(tmp);
      await writeFile(tmp, data);
    }
    const order = files.map((_, i) => i).sort((a, b) => Number(files[a]![0] === 'model.json') - Number(files[b]![0] === 'model.json'));
    for (const i of order) await rename(temps[i]!, join(dir, files[i]![0]));
  } catch (err) {
    await Promise.all(temps.map((t) => rm(t, { force: true })));
    throw err;
  }
}

/** Total bytes of a model's weight shards and of all its files. */
export async function modelSizes(folder: ModelFolder): Promise<{ weights: number; total: number }> {
  const weights = folder.groups.reduce((n, g) => n + g.data.byteLength, 0);
  return { weights, total: weights + (await stat(folder.path)).size };
}

/** A tf.io handler that loads a model folder from disk (for loadLayersModel / loadGraphModel). */
export function fileLoader(modelJsonPath: string): io.IOHandler {
  return {
    async load() {
      const folder = await readModelFolder(modelJsonPath);
      const weightSpecs = folder.groups.flatMap((g) => g.weights);
      const data = concat(folder.groups.map((g) => g.data));
      return {
        ...(folder.json as Omit<io.ModelArtifacts, 'weightSpecs' | 'weightData'>),
        format: folder.format,
        weightSpecs,
        weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer,
      };
    },
  };
}

/** A tf.io handler that saves a model (model.save(fileSaver(dir))) as model.json + shards. */
export function fileSaver(dir: string, options: WriteOptions = {}): io.IOHandler {
  return {
    async save(artifacts) {
      const { weightSpecs = [], weightData, ...rest } = artifacts;
      const buffers = weightData === undefined ? [] : Array.isArray(weightData) ? weightData : [weightData];
      const data = concat(buffers.map((b) => new Uint8Array(b)));
      const json: Record<string, unknown> = {
        format: rest.format ?? 'layers-model',
        generatedBy: rest.generatedBy,
        convertedBy: rest.convertedBy ?? null,
        modelTopology: rest.modelTopology,
      };
      if (rest.trainingConfig) json.trainingConfig = rest.trainingConfig;
      if (rest.userDefinedMetadata) json.userDefinedMetadata = rest.userDefinedMetadata;
      await writeModelFolder(dir, json, [{ weights: weightSpecs, data }], options);
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          weightDataBytes: data.byteLength,
        },
      };
    },
  };
}
