// One model version -> verified bytes of model.json and its shards, from the cache when it
// holds the whole version, otherwise from the network (fetching only the files the cache
// lacks). Nothing is stored until every file has passed its check.
import type { io } from '@tensorflow/tfjs-core';
import type { ManifestFile } from '../../protocol/manifest-types.js';
import { modelJsonName, resolveUrl } from '../../protocol/resolve-url.js';
import { InferScopeError } from '../errors.js';
import { mark } from '../mark.js';
import { parseModelJson, shardUrls, toArtifacts } from './artifacts.js';
import type { DeliveryDb } from './db.js';
import { fetchBytes, verifyFile } from './download.js';
import { deleteFiles, modelKey, readModel, storedFiles, touchModel, type CacheRead } from './store.js';
import type { DeliveryEvent, LoadProgress, ModelRecord, VersionRef } from './types.js';

export interface Fetched {
  ref: VersionRef;
  artifacts: io.ModelArtifacts;
  source: 'network' | 'cache';
  /** Bytes of the whole version; `downloaded` of them came over the network. */
  bytes: number;
  downloaded: number;
  /** The record to store (network loads whose files all verified); null when served from cache. */
  toStore: { record: ModelRecord; data: Map<string, ArrayBuffer> } | null;
}

export interface FetchContext {
  db: DeliveryDb | null;
  fetch: typeof globalThis.fetch;
  onEvent: (e: DeliveryEvent) => void;
  onProgress?: (p: LoadProgress) => void;
  signal?: AbortSignal;
  /** A download is about to start: what stores its result may load now (delivery's lazy writer). */
  willStore?: () => void;
}

const label = (ref: VersionRef, path: string) => `${ref.id}@${ref.version} ${path}`;

function assemble(ref: VersionRef, files: ManifestFile[], data: Map<string, ArrayBuffer>, check?: (json: unknown) => string): io.ModelArtifacts {
  const own = files.find((f) => f.path === modelJsonName(ref.url))!;
  const json = parseModelJson(data.get(own.sha256)!, ref.url, check);
  const byUrl = new Map(files.map((f) => [resolveUrl(f.path, ref.url), f]));
  const shards = shardUrls(json, ref.url).map((u) => {
    const f = byUrl.get(u);
    if (!f) throw new InferScopeError('INTEGRITY', `${label(ref, u)}: model.json names this shard but the manifest does not list it`);
    return data.get(f.sha256)!;
  });
  return toArtifacts(json, shards);
}

/**
 * Hashes stored files (all at once; `digests`: those already started) and deletes every one
 * that fails from the store, whichever version found it: a shard two versions share is stored
 * once, so dropping only this version's record would leave the bad bytes to be reused.
 * Returns the bad files; the caller must not use their bytes.
 */
async function dropBad(ref: VersionRef, ctx: FetchContext, files: readonly ManifestFile[], data: Map<string, ArrayBuffer>, ok?: (f: ManifestFile) => void, digests?: Map<string, Promise<string | null>>): Promise<ManifestFile[]> {
  const bad = (await Promise.all(files.map((f) => verifyFile(label(ref, f.path), data.get(f.sha256)!, f, '', digests?.get(f.sha256)).then(() => { ok?.(f); return null; }, () => f))))
    .filter((f): f is ManifestFile => !!f);
  for (const f of bad) {
    ctx.onEvent({ type: 'integrity-failure', id: ref.id, version: ref.version, file: f.path, source: 'cache' });
    data.delete(f.sha256);
  }
  if (bad.length && ctx.db) await deleteFiles(ctx.db, bad.map((f) => f.sha256)).catch(() => {});
  return bad;
}

/**
 * The warm path's first half: the cached version's artifacts as soon as its bytes are in hand,
 * with `checked` resolving the files that failed their digest (empty: all good; the bad ones are
 * already deleted and reported). The caller may build from the artifacts meanwhile but must
 * reveal nothing built from them before `checked` came back empty. Null when not cached.
 */
export async function readVerifying(ref: VersionRef, ctx: FetchContext, early?: Promise<CacheRead | null>): Promise<(Fetched & { checked: Promise<ManifestFile[]> }) | null> {
  if (!ctx.db) return null;
  const key = modelKey(ref.id, ref.version);
  const hit = await (early ?? readModel(ctx.db, key, ref.entry?.files, true)).catch(() => null);
  if (!hit) return null;
  mark('cache-read');
  const { record, data, digests } = hit;
  const total = record.bytes;
  ctx.onProgress?.({ phase: 'download', source: 'cache', loaded: total, total });
  let verified = 0;
  const checked = dropBad(ref, ctx, record.files, data, (f) => ctx.onProgress?.({ phase: 'verify', source: 'cache', loaded: (verified += f.bytes), total }), digests);
  const r = { ...ref, url: record.url };
  let artifacts: io.ModelArtifacts;
  try {
    artifacts = assemble(r, record.files, data); // before dropBad's first await deletes anything from `data`
  } catch (err) {
    // A model.json that does not parse: corrupted (the network path fetches it again) or bad at the source.
    if ((await checked).length) return null;
    throw err;
  }
  checked.then((bad) => { mark('digests'); if (!bad.length) void touchModel(ctx.db!, key).catch(() => {}); }); // LRU order, off the critical path
  return { ref: r, artifacts, source: 'cache', bytes: total, downloaded: 0, toStore: null, checked };
}

/** The cached version when complete and (integrity on) every file still hashes right. */
export async function fromCache(ref: VersionRef, ctx: FetchContext): Promise<Fetched | null> {
  const hit = await readVerifying(ref, ctx);
  // The bad files are gone from the store: the network path fetches just those.
  return hit && !(await hit.checked).length ? hit : null;
}

/** Downloads what the cache lacks of a manifest version and verifies every file. */
export async function fromNetwork(ref: VersionRef, ctx: FetchContext): Promise<Fetched> {
  const entry = ref.entry!;
  // The full model.json check loads while the files download; if it cannot load, the outline check stands.
  const check = import('./model-json-check.js').then((m) => m.modelJsonProblem, () => undefined);
  const have = ctx.db ? await storedFiles(ctx.db, entry.files.map((f) => f.sha256)).catch(() => new Map<string, ArrayBuffer>()) : new Map<string, ArrayBuffer>();
  // Stored files another version shares are reused only after their hash checks out.
  await dropBad(ref, ctx, entry.files.filter((f) => have.has(f.sha256)), have);
  const missing = entry.files.filter((f) => !have.has(f.sha256));
  const total = missing.reduce((n, f) => n + f.bytes, 0);
  let loaded = 0;
  let verified = 0;
  let unchecked = false;
  const data = new Map(have);
  let queue = missing.slice();
  const worker = async () => {
    for (let f = queue.shift(); f; f = queue.shift()) {
      const got = await fetchBytes(resolveUrl(f.path, ref.url), {
        fetch: ctx.fetch, signal: ctx.signal, maxBytes: f.bytes,
        onBytes: (n) => ctx.onProgress?.({ phase: 'download', source: 'network', loaded: (loaded += n), total }),
      });
      try {
        if (!(await verifyFile(label(ref, f.path), got.data, f, got.contentType))) unchecked = true;
      } catch (err) {
        ctx.onEvent({ type: 'integrity-failure', id: ref.id, version: ref.version, file: f.path, source: 'network' });
        throw err;
      }
      data.set(f.sha256, got.data);
      ctx.onProgress?.({ phase: 'verify', source: 'network', loaded: (verified += f.bytes), total });
    }
  };
  try {
    // A few files at a time: model versions have a handful of shards.
    await Promise.all(Array.from({ length: Math.min(4, missing.length) }, worker));
  } catch (err) {
    queue = [];
    throw err;
  }
  const artifacts = assemble(ref, entry.files, data, await check);
  const bytes = entry.files.reduce((n, f) => n + f.bytes, 0);
  const now = Date.now();
  const record: ModelRecord = { key: modelKey(ref.id, ref.version), id: ref.id, version: ref.version, url: ref.url, files: entry.files, bytes, lastUsed: now, storedAt: now, entry };
  // Without WebCrypto (an insecure origin) nothing could be checked: use it, never cache it.
  if (unchecked) ctx.onEvent({ type: 'cache-unavailable', reason: 'WebCrypto is missing (insecure origin?): files not verified, not cached' });
  return { ref, artifacts, source: 'network', bytes, downloaded: total, toStore: unchecked ? null : { record, data } };
}
