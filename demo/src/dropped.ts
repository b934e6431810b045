// A TF.js model folder dropped from disk (model.json + weight shards). The SDK loads it by URL
// through the client's `fetch` option: URLs under /dropped/<name>/ are answered from the files.
import type { ModelChoice } from './catalog.js';

const files = new Map<string, File>(); // '/dropped/<name>/<relative path>' -> File

/** client `fetch` option: dropped files from memory, everything else from the network. */
export const droppedFetch: typeof fetch = async (input, init) => {
  const url = new URL(input instanceof Request ? input.url : String(input), location.href);
  const file = url.origin === location.origin ? files.get(decodeURIComponent(url.pathname)) : undefined;
  if (!file) return fetch(input, init);
  const type = file.name.endsWith('.json') ? 'application/json' : 'application/octet-stream';
  return new Response(file, { status: 200, headers: { 'content-type': type, 'content-length': String(file.size) } });
};

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

/**
 * Register a dropped folder and describe it as a model choice. Throws with what is wrong
 * (no model.json, a shard missing) so the page can say it.
 */
export async function registerDrop(list: [string, File][]): Promise<ModelChoice> {
  const modelJson = list.find(([p]) => p.split('/').pop() === 'model.json');
  if (!modelJson) throw new Error(`no model.json among the ${list.length} dropped file(s): drop the folder that tfjs's converter wrote (model.json + *.bin shards)`);
  const [path, file] = modelJson;
  const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/') + 1) : '';
  let json: Record<string, any>;
  try { json = JSON.parse(await file.text()); } catch (err) { throw new Error(`${path} is not JSON: ${(err as Error).message}`); }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest)) throw new Error(`${path} is not a TF.js model.json (needs modelTopology and weightsManifest)`);
  const name = (dir.replace(/\/$/, '').split('/').pop() || 'dropped').replace(/[^\w.-]/g, '_');
  const base = `/dropped/${name}-${Date.now().toString(36)}/`;
  const rel = new Map(list.filter(([p]) => p.startsWith(dir)).map(([p, f]) => [p.slice(dir.length), f]));
  const missing = json.weightsManifest.flatMap((g: { paths: string[] }) => g.paths).filter((p: string) => !rel.has(p));
  if (missing.length) throw new Error(`model.json names shard(s) that were not dropped: ${missing.join(', ')}`);
  for (const [p, f] of rel) files.set(base + p, f);
  return { id: name, channel: null, url: `${base}model.json`, exampleShape: inputShape(json) ?? [] };
}
