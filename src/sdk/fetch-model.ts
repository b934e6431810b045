// Network fetch of a converter model: model.json, then every weight shard, with byte progress.
// The one place the SDK touches the network for model files, so the delivery layer (manifest,
// cache, integrity) can wrap or replace it.
import * as tf from '@tensorflow/tfjs-core';
import { InferScopeError } from './errors.js';

export interface LoadProgress {
  /** Set by delivery (manifest/cache loads): which step, and whether bytes come from the network or the cache. */
  phase?: 'manifest' | 'download' | 'verify' | 'compile' | 'warmup';
  source?: 'network' | 'cache';
  /** Bytes received so far (model.json + shards). */
  loaded: number;
  /** Expected total bytes, when the server sent Content-Length for every file (else the weights' size). */
  total: number;
}

export interface FetchedModel {
  artifacts: tf.io.ModelArtifacts;
  /** Bytes received over the network (model.json + shards). */
  bytes: number;
  /** Absolute URLs of the files, in order: model.json, then shards. */
  urls: string[];
}

export interface FetchModelOptions {
  fetch?: typeof fetch;
  onProgress?: (p: LoadProgress) => void;
  signal?: AbortSignal;
}

function absolute(url: string, base?: string): string {
  try {
    return new URL(url, base ?? (globalThis as { location?: { href: string } }).location?.href).href;
  } catch (cause) {
    throw new InferScopeError('MODEL_NOT_FOUND', `Model URL ${JSON.stringify(url)} is not a valid URL; pass an absolute URL outside a browser page.`, { cause });
  }
}

async function get(url: string, fetchFn: typeof fetch, signal?: AbortSignal): Promise<Response> {
  let res: Response;
  try {
    res = await fetchFn(url, { signal });
  } catch (cause) {
    throw new InferScopeError('NETWORK', `Fetching ${url} failed: ${(cause as Error).message}`, { cause });
  }
  if (!res.ok) {
    throw new InferScopeError(res.status === 404 ? 'MODEL_NOT_FOUND' : 'NETWORK', `Fetching ${url} answered HTTP ${res.status} ${res.statusText}`.trim());
  }
  return res;
}

/** Read a body chunk by chunk so progress can be reported while it arrives. */
async function readBody(res: Response, onChunk: (n: number) => void): Promise<ArrayBuffer> {
  if (!res.body) { const b = await res.arrayBuffer(); onChunk(b.byteLength); return b; }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value); size += value.byteLength; onChunk(value.byteLength);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.byteLength; }
  return out.buffer;
}

function weightBytes(spec: tf.io.WeightsManifestEntry): number {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const q = spec.quantization?.dtype;
  const per = q === 'uint8' ? 1 : q === 'uint16' || q === 'float16' ? 2 : spec.dtype === 'bool' ? 1 : 4;
  return n * per;
}

/** Fetch model.json and its shards (in parallel); returns tfjs ModelArtifacts and the bytes read. */
export async function fetchModel(url: string, options: FetchModelOptions = {}): Promise<FetchedModel> {
  const { fetch: fetchFn = globalThis.fetch.bind(globalThis), onProgress, signal } = options;
  const modelUrl = absolute(url);
  let loaded = 0;
  const jsonRes = await get(modelUrl, fetchFn, signal);
  const jsonBuf = await readBody(jsonRes, (n) => { loaded += n; });
  let modelJSON: tf.io.ModelJSON;
  try {
    modelJSON = JSON.parse(new TextDecoder().decode(jsonBuf));
  } catch (cause) {
    throw new InferScopeError('MODEL_INVALID', `${modelUrl} is not JSON (is it a tfjs model.json?)`, { cause });
  }
  if (modelJSON == null || typeof modelJSON !== 'object' || modelJSON.modelTopology == null) {
    throw new InferScopeError('MODEL_INVALID', `${modelUrl} has no modelTopology: not a tfjs converter model.json`);
  }
  const manifest = modelJSON.weightsManifest ?? [];
  const paths = manifest.flatMap((g) => g.paths);
  const shardUrls = paths.map((p) => absolute(p, modelUrl));
  const weightSpecs = tf.io.getWeightSpecs(manifest);
  const expected = weightSpecs.reduce((s, w) => s + weightBytes(w), 0);

  const responses = await Promise.all(shardUrls.map((u) => get(u, fetchFn, signal)));
  const lengths = responses.map((r) => Number(r.headers.get('content-length') ?? NaN));
  const total = jsonBuf.byteLength + (lengths.every(Number.isFinite) ? lengths.reduce((a, b) => a + b, 0) : expected);
  onProgress?.({ loaded, total });
  const shards = await Promise.all(responses.map((r) => readBody(r, (n) => { loaded += n; onProgress?.({ loaded, total }); })));
  const got = shards.reduce((s, b) => s + b.byteLength, 0);
  if (got < expected) {
    throw new InferScopeError('MODEL_INVALID', `${modelUrl}: weight files hold ${got} bytes but the weights manifest needs ${expected} (truncated shard?)`);
  }
  const artifacts = tf.io.getModelArtifactsForJSONSync(modelJSON, weightSpecs, shards);
  return { artifacts, bytes: loaded, urls: [modelUrl, ...shardUrls] };
}
