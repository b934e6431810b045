// Fixture models and a counting HTTP server for the delivery tests. Models are real tfjs-layers
// models saved through a custom IOHandler (no committed binaries); weights are split into two
// weight groups so that a "v2" can share its body shard with "v1" and only change the head.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Manifest, ManifestFile, ModelVersion } from '../../src/protocol/manifest-types.js';

export const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export interface FixtureModel {
  /** path (relative to model.json) -> bytes */
  files: Map<string, Uint8Array>;
  inputs: number;
  classes: number;
  predict(x: number[]): number[];
}

/** Deterministic MLP: inputs -> hidden (body) -> classes (head); bodySeed/headSeed pick the weights. */
export async function buildModel({ bodySeed = 1, headSeed = 1, tag = 'v', inputs = 16, hidden = 32, classes = 3 } = {}): Promise<FixtureModel> {
  await tf.setBackend('cpu');
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [inputs], units: hidden, activation: 'relu', name: 'body', kernelInitializer: tfl.initializers.glorotUniform({ seed: bodySeed }) }),
      tfl.layers.dense({ units: classes, activation: 'softmax', name: 'head', kernelInitializer: tfl.initializers.glorotUniform({ seed: headSeed }) }),
    ],
  });
  const files = new Map<string, Uint8Array>();
  await model.save(tf.io.withSaveHandler(async (a) => {
    const specs = a.weightSpecs!;
    const data = new Uint8Array(a.weightData as ArrayBuffer);
    // Group weights by layer: body.* -> body.bin, head.* -> head.bin (specs are in data order).
    const groups: { paths: string[]; weights: typeof specs }[] = [];
    let at = 0;
    for (const name of ['body', 'head']) {
      const weights = specs.filter((s) => s.name.startsWith(name + '/'));
      const size = weights.reduce((n, w) => n + 4 * w.shape.reduce((x, y) => x * y, 1), 0);
      files.set(`${name}.bin`, data.slice(at, at + size));
      at += size;
      groups.push({ paths: [`${name}.bin`], weights });
    }
    const json = { modelTopology: a.modelTopology, format: 'layers-model', generatedBy: a.generatedBy, convertedBy: null, weightsManifest: groups, userDefinedMetadata: { tag } };
    files.set('model.json', new TextEncoder().encode(JSON.stringify(json)));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  const predict = (x: number[]) => Array.from((model.predict(tf.tensor2d([x])) as tf.Tensor).dataSync());
  return { files, predict, inputs, classes };
}

/** A delivery `compile` step for tests: build the delivered artifacts with tfjs-layers, predict `x`, dispose. */
export const predictWith = (x: number[]) => async (f: { artifacts: tf.io.ModelArtifacts }): Promise<number[]> => {
  const m = await tfl.loadLayersModel(tf.io.fromMemory(f.artifacts));
  const y = Array.from((m.predict(tf.tensor2d([x])) as tf.Tensor).dataSync());
  m.dispose();
  return y;
};

export function versionEntry(url: string, m: FixtureModel): ModelVersion {
  const files: ManifestFile[] = [...m.files].map(([path, b]) => ({ path, sha256: sha256(b), bytes: b.byteLength }));
  return {
    url, format: 'layers-model', quantization: 'none', files,
    inputs: [{ name: 'x', shape: [-1, m.inputs], dtype: 'float32' }],
    outputs: [{ name: 'y', shape: [-1, m.classes], dtype: 'float32', labels: Array.from({ length: m.classes }, (_, i) => String.fromCharCode(97 + i)) }],
  };
}

export function manifestOf(id: string, versions: Record<string, ModelVersion>, channels: Manifest['models'][string]['channels']): Manifest {
  return { schemaVersion: 1, models: { [id]: { channels, versions } } };
}

export interface TestServer {
  url: string;
  /** GET count per path (including 304s). */
  hits: Map<string, number>;
  /** Bodies POSTed (telemetry batches), by path. */
  posts: { path: string; body: string }[];
  put(path: string, body: Uint8Array | string, contentType?: string): void;
  putManifest(m: Manifest): void;
  /** Serve every path under `dir/` from a model. */
  putModel(dir: string, m: FixtureModel): void;
  /** Delay (ms) before answering GETs of model files (not the manifest): widens races between tabs. */
  delayMs: number;
  /** Answer every request with this status (5xx to simulate an outage); null to serve again. */
  failWith: number | null;
  /** Answer these paths with this status (one file failing while the rest serve). */
  failPaths: Map<string, number>;
  count(path: string): number;
  close(): Promise<void>;
}

/** A real HTTP server on an ephemeral port that counts requests and answers If-None-Match. */
export async function startServer(): Promise<TestServer> {
  const files = new Map<string, { body: Uint8Array; type: string; etag: string }>();
  const hits = new Map<string, number>();
  const s: TestServer = {
    url: '', hits, failWith: null, failPaths: new Map(), posts: [], delayMs: 0,
    put(path, body, type = 'application/octet-stream') {
      const b = typeof body === 'string' ? new TextEncoder().encode(body) : body;
      files.set(path, { body: b, type, etag: `"${sha256(b).slice(0, 16)}"` });
    },
    putManifest(m) { s.put('/manifest.json', JSON.stringify(m), 'application/json'); },
    putModel(dir, m) { for (const [p, b] of m.files) s.put(`${dir}/${p}`, b, p.endsWith('.json') ? 'application/json' : 'application/octet-stream'); },
    count: (p) => hits.get(p) ?? 0,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url!, 'http://x').pathname;
    res.setHeader('access-control-allow-origin', '*');
    res.setHeader('cross-origin-resource-policy', 'cross-origin');
    res.setHeader('access-control-allow-headers', 'if-none-match');
    res.setHeader('access-control-expose-headers', 'etag');
    if (req.method === 'OPTIONS') { res.writeHead(204).end(); return; } // CORS preflight: not counted
    if (req.method === 'POST') {
      let body = '';
      req.on('data', (c) => { body += c; }).on('end', () => { s.posts.push({ path, body }); res.writeHead(204).end(); });
      return;
    }
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const fail = s.failWith ?? s.failPaths.get(path);
    if (fail) { res.writeHead(fail).end('failing'); return; }
    if (s.delayMs && path !== '/manifest.json') await new Promise((r) => setTimeout(r, s.delayMs));
    const f = files.get(path);
    if (!f) { res.writeHead(404, { 'content-type': 'text/html' }).end('<!doctype html><title>404</title>'); return; }
    if (req.headers['if-none-match'] === f.etag) { res.writeHead(304, { etag: f.etag }).end(); return; }
    res.writeHead(200, { 'content-type': f.type, etag: f.etag, 'content-length': f.body.byteLength }).end(f.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  s.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return s;
}

/** Writes other bytes of the same size under one of `m`'s stored files (its SHA-256 key), as a disk fault would. */
export async function corruptStored(idb: IDBFactory, m: FixtureModel, path: string, mutate: (b: Uint8Array) => void): Promise<void> {
  const db = await new Promise<IDBDatabase>((res) => { const q = idb.open('inferscope-delivery'); q.onsuccess = () => res(q.result); });
  const sha = versionEntry('', m).files.find((f) => f.path === path)!.sha256;
  const bytes = new Uint8Array(m.files.get(path)!.slice(0));
  mutate(bytes);
  await new Promise((res) => {
    const tx = db.transaction('files', 'readwrite');
    tx.objectStore('files').put({ sha256: sha, bytes: bytes.byteLength, data: bytes.buffer });
    tx.oncomplete = res;
  });
  db.close();
}
