// The manifest: fetched once, revalidated with If-None-Match at most every maxAgeMs, and
// kept as "last good" in IndexedDB so an offline start or a 5xx still resolves channels.
import { InferScopeError } from '../errors.js';
import type { Manifest } from '../../protocol/manifest-types.js';
import type { DeliveryEvent } from './types.js';

export interface StoredManifest { manifest: Manifest; etag: string | null; fetchedAt: number }

export interface ManifestSourceOptions {
  url: string;
  /** Revalidate at most this often (ms). */
  maxAgeMs?: number;
  fetch?: typeof globalThis.fetch;
  /** Persistence of the last good manifest (IndexedDB meta store), when available. */
  load?: () => Promise<StoredManifest | undefined>;
  save?: (s: StoredManifest) => Promise<void>;
  onEvent?: (e: DeliveryEvent) => void;
  now?: () => number;
}

export interface ManifestSource {
  /** The current manifest; revalidates when last checked more than maxAgeMs ago. `force` revalidates now. */
  get(force?: boolean): Promise<Manifest>;
}

export function createManifestSource({
  url, maxAgeMs = 5 * 60_000, fetch = globalThis.fetch, load, save, onEvent, now = Date.now,
}: ManifestSourceOptions): ManifestSource {
  let current: StoredManifest | undefined;
  let checkedAt = -Infinity;
  let inflight: Promise<Manifest> | null = null;

  const lastGood = async (reason: string, cause?: unknown): Promise<Manifest> => {
    if (!current) {
      throw new InferScopeError(cause instanceof InferScopeError ? cause.code : 'MANIFEST_FETCH',
        `${reason}, and no earlier manifest is cached on this device`, { cause });
    }
    checkedAt = now(); // don't hammer a failing server on every load
    onEvent?.({ type: 'manifest-fallback', reason, ageMs: now() - current.fetchedAt });
    return current.manifest;
  };

  async function revalidate(): Promise<Manifest> {
    const headers: Record<string, string> = {};
    if (current?.etag) headers['if-none-match'] = current.etag;
    // The validator is a lazy chunk: most loads read a fresh stored manifest or get a 304. It is
    // requested together with the manifest, so a manifest that does arrive waits for neither in turn.
    const validator = import('../../protocol/manifest.js');
    validator.catch(() => {});
    let res: Response;
    try {
      // no-cache: the HTTP cache must ask the server too, or a stale 200 hides the new manifest.
      res = await fetch(url, { headers, cache: 'no-cache' });
    } catch (err) {
      return lastGood(`manifest ${url} unreachable (${(err as Error)?.message ?? err})`, err);
    }
    if (res.status === 304 && current) {
      checkedAt = now();
      current = { ...current, fetchedAt: now() };
      await save?.(current).catch(() => {});
      return current.manifest;
    }
    if (res.status >= 500) return lastGood(`manifest ${url} answered ${res.status}`);
    if (!res.ok) throw new InferScopeError('MANIFEST_FETCH', `manifest ${url} answered ${res.status} ${res.statusText}; check manifestUrl`.trim());
    let validateManifest: typeof import('../../protocol/manifest.js').validateManifest;
    try {
      ({ validateManifest } = await validator);
    } catch (err) {
      return lastGood(`manifest ${url} arrived but the SDK's manifest validator could not be loaded (${(err as Error)?.message ?? err}); deploy the SDK's chunks together`);
    }
    let manifest: Manifest;
    try {
      manifest = validateManifest(await res.json());
    } catch (err) {
      // A body that stalled (stall-fetch.ts) is a network failure, not a broken manifest.
      const e = err instanceof InferScopeError ? err : new InferScopeError('MANIFEST_INVALID', `${url}: ${(err as Error).message}`, { cause: err });
      // A broken deploy should not take down clients that have a good manifest; it is reported.
      return lastGood(e.message, e);
    }
    current = { manifest, etag: res.headers.get('etag'), fetchedAt: now() };
    checkedAt = now();
    await save?.(current).catch(() => {});
    return manifest;
  }

  let restored: Promise<void> | undefined;
  return {
    async get(force = false) {
      // The stored copy counts as fresh for maxAgeMs after it was last checked, across page
      // loads too (like Cache-Control max-age): a warm start makes no request at all.
      await (restored ??= (async () => {
        const s = await load?.().catch(() => undefined);
        if (s && !current) { current = s; checkedAt = s.fetchedAt; }
      })());
      if (current && !force && now() - checkedAt < maxAgeMs) return current.manifest;
      // One revalidation at a time; a failed one is dropped so the next call retries.
      inflight ??= revalidate().finally(() => { inflight = null; });
      return inflight;
    },
  };
}
