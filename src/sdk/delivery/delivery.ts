// Delivery: target (id + channel, or a model.json URL) -> verified tf.io.ModelArtifacts from
// the cache or the network, with staged rollout, candidate fallback, LRU cache and events.
// The client compiles the artifacts on a backend; `load` takes that step as a callback so a
// candidate that fails its self-test still falls back to stable.
import { resolveUrl } from '../../protocol/resolve-url.js';
import { pickVersion, rolloutBucket } from '../../protocol/rollout.js';
import type { Manifest } from '../../protocol/manifest-types.js';
import { InferScopeError } from '../errors.js';
import { mark } from '../mark.js';
import type { Telemetry } from '../telemetry/types.js';
import { openDeliveryDb, type DeliveryDb } from './db.js';
import { loadDirect } from './direct.js';
import { fromCache, fromNetwork, readVerifying, type FetchContext, type Fetched } from './fetch-version.js';
import { installId as readInstallId } from './install-id.js';
import { withLock } from './locks.js';
import { createManifestSource, type ManifestSource, type StoredManifest } from './manifest-source.js';
import { readLastVersion, sameFiles, writeLastVersion } from './last-version.js';
import { getMeta, listModels, modelKey, readModel, setMeta, type CacheRead } from './store.js';
import type { CachedModel, DeliveryEvent, LoadProgress, VersionRef } from './types.js';

export type LoadTarget = { id: string; channel?: string } | { url: string };

export interface DeliveryOptions {
  manifestUrl?: string;
  /** Revalidate the manifest (If-None-Match) at most this often. Default 5 minutes. */
  manifestMaxAgeMs?: number;
  /** false: never touch IndexedDB. idbFactory: an IDBFactory to use instead of globalThis.indexedDB. */
  cache?: { maxBytes?: number; idbFactory?: IDBFactory } | false;
  /** Ask the browser to keep the cache under storage pressure (navigator.storage.persist()). */
  persist?: boolean;
  fetch?: typeof globalThis.fetch;
  /** A manifest or model fetch with no response headers, or no body bytes, for this long fails with NETWORK. Default 30 s. */
  stallTimeoutMs?: number;
  /** Use this anonymous id for rollout buckets instead of the stored random one. */
  installId?: string;
  /** Where the last-version hints live (last-version.ts); default localStorage. */
  hints?: Pick<Storage, 'getItem' | 'setItem'>;
  telemetry?: Pick<Telemetry, 'recordCache'>;
  onEvent?: (e: DeliveryEvent) => void;
}

export interface LoadOptions {
  onProgress?: (p: LoadProgress) => void;
  signal?: AbortSignal;
  /** When every version the channel names fails, serve the most recently used verified cached version of the id. Default false (the client turns it on). */
  fallbackToCached?: boolean;
}

export interface Delivered<T> extends Fetched {
  value: T;
  ms: number;
  /** Why the rollout candidate was abandoned on this device, if it was. */
  candidateFallback?: string;
}

export function createDelivery({
  manifestUrl, manifestMaxAgeMs = 5 * 60_000, cache = {}, persist = false,
  fetch: rawFetch = globalThis.fetch.bind(globalThis), stallTimeoutMs = 30_000, installId, telemetry, onEvent, hints,
}: DeliveryOptions = {}) {
  // dispose() aborts the downloads still running, so their install locks are released.
  const life = new AbortController();
  // The guard is a lazy chunk (the direct-mode core has no room), requested by the first fetch; if it
  // cannot load, fetches go out unguarded rather than not at all.
  let guarded: Promise<typeof rawFetch> | undefined;
  const fetch: typeof rawFetch = async (input, init) => (await (guarded ??= import('./stall-fetch.js').then((m) => m.stallGuard(rawFetch, stallTimeoutMs, life.signal), () => rawFetch)))(input, init);
  const maxBytes = (cache && cache.maxBytes) || 200e6;
  const emit = (e: DeliveryEvent) => {
    try {
      if (e.type === 'cache-unavailable') telemetry?.recordCache('unavailable');
      if (e.type === 'integrity-failure') telemetry?.recordCache('integrityFailures');
      onEvent?.(e);
    } catch { /* a listener's bug must not break a load */ }
  };
  let dbp: Promise<DeliveryDb | null> | undefined;
  const db = () => (dbp ??= (cache === false ? Promise.resolve({ db: null, reason: 'cache: false' }) : openDeliveryDb(cache.idbFactory)).then(({ db, reason }) => {
    mark('db-open');
    if (!db && cache !== false) emit({ type: 'cache-unavailable', reason: `${reason}; loading from the network only` });
    if (db && persist) {
      (globalThis.navigator as Navigator | undefined)?.storage?.persist?.()
        .then((granted) => emit({ type: 'persist', granted }), () => emit({ type: 'persist', granted: false }));
    }
    return db;
  }));
  let manifests: ManifestSource | undefined;
  let storedManifest: Promise<StoredManifest | undefined> | undefined; // the stored manifest's read, issued early by load()
  const readStoredManifest = (d: DeliveryDb | null) => (d ? getMeta<StoredManifest>(d, `manifest:${manifestUrl}`) : undefined);
  const manifest = async (): Promise<Manifest> => {
    if (!manifestUrl) throw new InferScopeError('MODEL_NOT_FOUND', 'load by id needs createClient({ manifestUrl }); or load({ url }) a model.json directly');
    const d = await db();
    manifests ??= createManifestSource({
      url: manifestUrl, maxAgeMs: manifestMaxAgeMs, fetch, onEvent: emit,
      load: async () => storedManifest ?? readStoredManifest(d),
      save: async (s) => { if (d) await setMeta(d, `manifest:${manifestUrl}`, s); },
    });
    return manifests.get();
  };
  // Writing the cache (storing with LRU and quota, removing versions) is a lazy chunk: a warm load
  // never writes. A download requests it as it starts (`willStore`), so it is in by the time the
  // verified bytes are. A chunk that cannot load leaves the version running from memory; a
  // failed request is dropped so the next write asks again.
  let writes: Promise<typeof import('./save.js')> | undefined;
  const cacheWrites = () => (writes ??= import('./save.js').catch((err) => { writes = undefined; throw err; }));
  const willStore = () => { cacheWrites().catch(() => {}); };
  let idp: Promise<string> | undefined;
  const getInstallId = () => (idp ??= installId ? Promise.resolve(installId) : db().then(readInstallId));

  /** Versions to try for a target, best first: [candidate, stable], [stable] or [direct]. */
  async function resolve(target: LoadTarget): Promise<VersionRef[]> {
    if ('url' in target) return [{ id: target.url, version: '', variant: 'direct', url: target.url }];
    const { id, channel = 'stable' } = target;
    // The install id (a meta read where localStorage is missing) rides along with the manifest read.
    const bucketId = getInstallId();
    bucketId.catch(() => {});
    const m = await manifest();
    const model = m.models[id];
    if (!model) throw new InferScopeError('MODEL_NOT_FOUND', `no model "${id}" in ${manifestUrl}; it lists: ${Object.keys(m.models).join(', ') || 'none'}`);
    const ch = model.channels[channel];
    if (!ch) throw new InferScopeError('MODEL_NOT_FOUND', `model "${id}" has no channel "${channel}"; it has: ${Object.keys(model.channels).join(', ')}`);
    const ref = (version: string, variant: 'stable' | 'candidate'): VersionRef => {
      const entry = model.versions[version]!;
      return { id, version, variant, entry, url: resolveUrl(entry.url, manifestUrl!) };
    };
    const pick = pickVersion(ch, rolloutBucket(await bucketId, id));
    return pick.variant === 'candidate' ? [ref(pick.version, 'candidate'), ref(ch.version, 'stable')] : [ref(ch.version, 'stable')];
  }

  async function store(f: Fetched, d: DeliveryDb | null) {
    if (!d || !f.toStore) return;
    let saveModel: typeof import('./save.js').saveModel;
    try {
      ({ saveModel } = await cacheWrites());
    } catch (err) {
      emit({ type: 'cache-unavailable', reason: `the SDK's cache-writing code could not be loaded (${(err as Error)?.message ?? err}); ${f.toStore.record.key} runs from memory` });
      return;
    }
    await saveModel(d, f.toStore.record, f.toStore.data, { maxBytes, onEvent: emit, onEvicted: (n) => telemetry?.recordCache('evicted', n) });
  }

  /**
   * One version's artifacts and the caller's value built from them (`compile`). The warm path is
   * a pipeline: the cached bytes are built while their SHA-256 digests run (started as the bytes
   * arrived), and the value is revealed only when every digest matched. A mismatch discards the
   * value (its dispose(), if it has one) and takes the corrupt-file path: the bad files are
   * deleted already, so the network path downloads them again, once.
   */
  async function fetchCompiled<T>(ref: VersionRef, compile: (f: Fetched) => Promise<T>, opts: LoadOptions = {}, early?: Promise<CacheRead | null>): Promise<[Fetched, T]> {
    const d = await db();
    const ctx: FetchContext = { db: d, fetch, onEvent: emit, onProgress: opts.onProgress, signal: opts.signal, willStore: d ? willStore : undefined };
    const count = async (f: Fetched, built?: { v: T }): Promise<[Fetched, T]> => {
      telemetry?.recordCache(f.source === 'cache' ? 'hit' : 'miss');
      emit({ type: f.source === 'cache' ? 'cache-hit' : 'cache-miss', id: f.ref.id, version: f.ref.version, bytes: f.bytes });
      return [f, built ? built.v : await compile(f)];
    };
    if (ref.variant === 'direct') return count(await loadDirect(ref.url, ctx, (got) => store(got, d)));
    const hit = await readVerifying(ref, ctx, early);
    if (hit) {
      const built = compile(hit).then((v) => ({ v }), (e: unknown) => ({ e }));
      const bad = (await hit.checked).length;
      const b = await built;
      if (!bad) {
        if ('e' in b) throw b.e;
        return count(hit, b);
      }
      if ('v' in b) (b.v as { dispose?(): void })?.dispose?.(); // never revealed
    }
    // Another tab may be installing this version: wait for it, then look again.
    ctx.willStore?.();
    return count(await withLock(`inferscope:${ref.id}@${ref.version}`, async () => {
      const again = await fromCache(ref, ctx);
      if (again) return again;
      const got = await fromNetwork(ref, ctx);
      await store(got, d);
      return got;
    }));
  }

  /** Verified artifacts of one version: cache first, then network (one download across tabs). */
  const fetchVersion = async (ref: VersionRef, opts?: LoadOptions) => (await fetchCompiled(ref, async () => 0, opts))[0];

  /**
   * resolve + fetch + the caller's `compile` (build on a backend, self-test, warm up). A rollout
   * candidate that fails any step falls back to stable, and the reason is returned.
   */
  async function load<T>(target: LoadTarget, compile: (f: Fetched) => Promise<T>, opts: LoadOptions = {}): Promise<Delivered<T>> {
    const t0 = now();
    opts.onProgress?.({ phase: 'manifest', source: 'network', loaded: 0, total: 1 });
    // Warm loads: read the version this target resolved to last time while the stored manifest
    // is read. The manifest's read is issued first: IndexedDB answers in order, and it must not
    // queue behind the weights.
    const lastKey = 'url' in target ? '' : `${manifestUrl}|${target.id}|${target.channel ?? 'stable'}`;
    const guess = lastKey ? readLastVersion(lastKey, hints) : null;
    if (guess && !manifests && manifestUrl) storedManifest ??= db().then(readStoredManifest);
    const early = guess && db().then((d) => (d ? readModel(d, modelKey((target as { id: string }).id, guess.version), guess.shas.map((sha256) => ({ sha256, path: '', bytes: 0 })), true) : null));
    early?.catch(() => {});
    const refs = await resolve(target);
    mark('manifest');
    opts.onProgress?.({ phase: 'manifest', source: 'network', loaded: 1, total: 1 });
    let candidateFallback: string | undefined;
    let lastErr: unknown;
    for (const ref of refs) {
      try {
        const guessed = guess && early && sameFiles(guess, ref.version, ref.entry?.files) ? early : undefined;
        const [f, value] = await fetchCompiled(ref, compile, opts, guessed);
        if (lastKey && ref.entry) writeLastVersion(lastKey, ref.version, ref.entry.files, hints);
        if (ref.variant !== 'direct' && f.source === 'network') await retire(ref.id, f.ref.version);
        return { ...f, value, ms: now() - t0, candidateFallback };
      } catch (err) {
        lastErr = err;
        if (ref.variant !== 'candidate') break;
        candidateFallback = `${(err as InferScopeError).code ?? 'ERROR'}: ${(err as Error)?.message ?? err}`;
        emit({ type: 'candidate-fallback', id: ref.id, version: ref.version, stable: refs[1]!.version, reason: candidateFallback });
      }
    }
    // Last good (last-good.ts): not when the caller gave up (abort) or the client is gone.
    const d = opts.fallbackToCached && !('url' in target) && (lastErr as InferScopeError)?.code !== 'DISPOSED' && !life.signal.aborted && !opts.signal?.aborted && await db();
    // A cache that cannot be read now (closed by a dispose() meanwhile, storage gone) has no last
    // good version: the version's own error stands, never the storage's.
    const good = d && await (await import('./last-good.js')).lastGood(target.id, refs.map((r) => r.version), lastErr, {
      listModels, fromCache, compile, ctx: { db: d, fetch, onEvent: emit, onProgress: opts.onProgress },
    }).catch(() => null);
    if (good) return { ...good, ms: now() - t0, candidateFallback };
    // dispose() aborted the downloads and closed the database under this load: whatever broke first, say why.
    throw life.signal.aborted ? new InferScopeError('DISPOSED', 'the client was disposed while loading', { cause: lastErr }) : lastErr;
  }

  /** After a successful load: drop cached versions of `id` no channel names any more. */
  async function retire(id: string, loaded: string) {
    const d = await db();
    if (!d || !manifestUrl) return;
    try {
      const model = (await manifest()).models[id];
      if (!model) return;
      const named = new Set([loaded, ...Object.values(model.channels).flatMap((c) => [c.version, c.candidate?.version ?? c.version])]);
      const n = await (await cacheWrites()).removeVersions(d, id, (v) => !named.has(v), 'replaced', emit);
      if (n) telemetry?.recordCache('evicted', n);
    } catch { /* best effort: LRU catches what this misses */ }
  }

  /** What the cache holds, most recently used first. */
  async function cached(): Promise<CachedModel[]> {
    const d = await db();
    if (!d) return [];
    return (await listModels(d)).sort((a, b) => b.lastUsed - a.lastUsed)
      .map(({ id, version, bytes, lastUsed, url }) => ({ id, version, bytes, lastUsed, url }));
  }

  /** Removes one version, or every version of `id`; resolves how many were removed. */
  async function evict(id: string, version?: string): Promise<number> {
    const d = await db();
    if (!d) return 0;
    const { removeVersions } = await cacheWrites().catch((cause: Error) => {
      throw new InferScopeError('CACHE_UNAVAILABLE', `evict(): the SDK's cache-writing code could not be loaded (${cause?.message ?? cause}); try again once the page can fetch it`, { cause });
    });
    return removeVersions(d, id, (v) => version === undefined || v === version, 'manual', emit);
  }

  /** Closes the database connection; safe to call twice. */
  async function dispose() {
    life.abort();
    const d = await dbp?.catch(() => null);
    d?.close();
  }

  // Settles (never rejects) once the database is open and the reads load() sends on opening
  // (stored manifest, the last version's record and files) are sent: those are chained first.
  const opened = (): Promise<unknown> => db().catch(() => {});

  return { resolve, fetchVersion, load, cached, evict, manifest, installId: getInstallId, dispose, emit, opened };
}

export type Delivery = ReturnType<typeof createDelivery>;
const now = () => (globalThis.performance ?? Date).now();
