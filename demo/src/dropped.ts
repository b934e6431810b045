// A TF.js model folder dropped from disk (model.json + weight shards). The SDK loads it by URL
// through the client's `fetch` option: URLs under /dropped/<name>/ are answered from the files
// (dropped-fetch.ts; in worker mode the worker asks the page for them).
import type { ModelChoice } from './catalog.js';
import { personalShape } from '../../src/protocol/name-rules.js';
import { DROPPED_PREFIX, droppedFetchVia } from './dropped-fetch.js';

const files = new Map<string, File>(); // '/dropped/<name>/<relative path>' -> File

/** A dropped file by its URL path, for the worker's fetch (demo/src/demo-worker.ts). */
export const droppedFile = (path: string): File | undefined => files.get(path);

/** client `fetch` option: dropped files from memory, everything else from the network. */
export const droppedFetch: typeof fetch = droppedFetchVia(droppedFile);

/** Every file under a dropped directory entry, with its path relative to the drop. */
async function walk(entry: FileSystemEntry, prefix = ''): Promise<[string, File][]> {
  if (entry.isFile) {
    const file = await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej));
    return [[prefix + entry.name, file]];
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  const out: [string, File][] = [];
  for (;;) { // readEntries answers in chunks (100 in Chromium) until an empty one
    const chunk = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
    if (!chunk.length) break;
    for (const e of chunk) out.push(...await walk(e, `${prefix}${entry.name}/`));
  }
  return out;
}

/** Files of a drop event (folders walked) or of an <input type=file webkitdirectory>. */
export async function filesOf(source: DataTransfer | FileList): Promise<[string, File][]> {
  if (source instanceof DataTransfer) {
    const entries = [...source.items].map((i) => i.webkitGetAsEntry()).filter((e): e is FileSystemEntry => e !== null);
    return (await Promise.all(entries.map((e) => walk(e)))).flat();
  }
  return [...source].map((f) => [f.webkitRelativePath || f.name, f]);
}

/** The first input's shape from model.json (layers: batch_input_shape; graph: signature). */
function inputShape(json: Record<string, any>): number[] | null {
  const topo = json.modelTopology;
  const layers = topo?.config?.layers ?? topo?.model_config?.config?.layers;
  const first = Array.isArray(layers) ? layers[0]?.config : undefined;
  const shape = first?.batch_input_shape ?? first?.batchInputShape ?? first?.batch_shape;
  if (Array.isArray(shape)) return shape.slice(1).map((d: number | null) => d ?? 1);
  const sig = json.signature?.inputs ?? json.userDefinedMetadata?.signature?.inputs;
  const firstSig = sig ? Object.values(sig)[0] as { tensorShape?: { dim?: { size: string }[] } } : undefined;
  const dims = firstSig?.tensorShape?.dim?.map((d) => Number(d.size));
  return dims ? dims.slice(1).map((d) => (d > 0 ? d : 1)) : null;
}

/** What the page keeps about a dropped folder. */
export interface DroppedInfo {
  /** The folder's name, shown in the picker only (never sent: a folder name can say anything). */
  folder: string;
  /** From the content hash of every file: the same files are the same version (and cache row). */
  version: string;
  /** Class names from labels.txt (one a line) or labels.json (an array) in the folder, else null. */
  labels: string[] | null;
}

/** SHA-256 over every dropped file in path order (path and bytes), as hex. */
async function contentHash(rel: Map<string, File>): Promise<string> {
  const parts: BlobPart[] = [];
  for (const p of [...rel.keys()].sort()) parts.push(`${p}\0${rel.get(p)!.size}\0`, rel.get(p)!);
  const digest = await crypto.subtle.digest('SHA-256', await new Blob(parts).arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The hash as a telemetry version: letters only (hex digits a-p), since the collector refuses
 * names with long digit runs, which a hex string can contain.
 */
export function versionOfHash(hex: string): string {
  return `files-${[...hex.slice(0, 12)].map((c) => String.fromCharCode(97 + parseInt(c, 16))).join('')}`;
}

async function labelsOf(rel: Map<string, File>): Promise<string[] | null> {
  const txt = rel.get('labels.txt'), json = rel.get('labels.json');
  if (json) {
    const v = JSON.parse(await json.text()) as unknown;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new Error('labels.json must be a JSON array of class names, e.g. ["setosa", "versicolor", "virginica"]');
    return v as string[];
  }
  if (txt) return (await txt.text()).split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  return null;
}

/**
 * Register a dropped folder and describe it as a model choice. Throws with what is wrong
 * (no model.json, a shard missing) so the page can say it. The URL comes from the content
 * hash, so dropping the same folder again loads from the same cache row.
 */
export async function registerDrop(list: [string, File][]): Promise<ModelChoice & { dropped: DroppedInfo }> {
  const modelJson = list.find(([p]) => p.split('/').pop() === 'model.json');
  if (!modelJson) throw new Error(`no model.json among the ${list.length} dropped file(s): drop the folder that tfjs's converter wrote (model.json + *.bin shards)`);
  const [path, file] = modelJson;
  const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/') + 1) : '';
  let json: Record<string, any>;
  try { json = JSON.parse(await file.text()); } catch (err) { throw new Error(`${path} is not JSON: ${(err as Error).message}`); }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest)) throw new Error(`${path} is not a TF.js model.json (needs modelTopology and weightsManifest)`);
  const folder = dir.replace(/\/$/, '').split('/').pop() || 'dropped';
  const rel = new Map(list.filter(([p]) => p.startsWith(dir)).map(([p, f]) => [p.slice(dir.length), f]));
  const missing = json.weightsManifest.flatMap((g: { paths: string[] }) => g.paths).filter((p: string) => !rel.has(p));
  if (missing.length) throw new Error(`model.json names shard(s) that were not dropped: ${missing.join(', ')}`);
  const hash = await contentHash(rel);
  const base = `${DROPPED_PREFIX}${hash.slice(0, 16)}/`;
  for (const [p, f] of rel) files.set(base + p, f);
  const dropped = { folder, version: versionOfHash(hash), labels: await labelsOf(rel) };
  return { id: folder, channel: null, url: `${base}model.json`, exampleShape: inputShape(json) ?? [], dropped };
}

/** Model ids the page accepts for a dropped model's telemetry: the collector's id rule, minus '.'. */
const DROPPED_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** Why `id` cannot name a dropped model in telemetry, or null when it can. */
export function droppedIdProblem(id: string): string | null {
  if (!DROPPED_ID.test(id)) return `model id "${id}" is not allowed: use 1-64 letters, digits, - and _ (starting with a letter or digit; no spaces, @, / or :)`;
  const personal = personalShape(id);
  return personal ? `model id "${id}" contains ${personal}, which could identify someone: pick a plain name such as my-model` : null;
}

/** [h, w, c] with c of 1, 3 or 4 and a side of at least 8: an input a picture can fill. */
export function isImageShape(shape: readonly number[]): boolean {
  return shape.length === 3 && [1, 3, 4].includes(shape[2]!) && shape[0]! >= 8 && shape[1]! >= 8;
}
