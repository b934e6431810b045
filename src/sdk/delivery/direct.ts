// A model.json URL without a manifest: cached too. model.json is revalidated with If-None-Match
// on every load; the version is its content hash, so an unchanged model.json (304, or the same
// bytes) loads from the cache without touching the shards.
import { InferScopeError } from '../errors.js';
import { fromCache, type FetchContext, type Fetched } from './fetch-version.js';
import { sha256Hex } from './sha256.js';
import { getMeta, setMeta } from './store.js';
import type { VersionRef } from './types.js';

export async function loadDirect(url: string, ctx: FetchContext, store: (f: Fetched) => Promise<void>): Promise<Fetched> {
  const d = ctx.db;
  const metaKey = `direct:${url}`;
  const known = d ? await getMeta<{ etag: string | null; version: string }>(d, metaKey).catch(() => undefined) : undefined;
  const cachedRef: VersionRef | undefined = known && { id: url, version: known.version, variant: 'direct', url };
  const cached = async () => (cachedRef ? fromCache(cachedRef, ctx) : null);
  let res: Response | undefined;
  try {
    res = await ctx.fetch(url, { headers: known?.etag ? { 'if-none-match': known.etag } : {}, cache: 'no-cache' });
  } catch (err) {
    const hit = await cached();
    if (hit) return hit;
    throw new InferScopeError('NETWORK', `GET ${url} failed: ${(err as Error)?.message ?? err}`, { cause: err });
  }
  if (res.status === 304 || res.status >= 500) {
    // 304: unchanged. 5xx: the server is failing; a cached copy beats an error.
    const hit = await cached();
    if (hit) return hit;
    if (res.status === 304) res = await ctx.fetch(url, { cache: 'reload' });
  }
  if (!res.ok) throw new InferScopeError(res.status === 404 ? 'MODEL_NOT_FOUND' : 'NETWORK', `GET ${url} answered ${res.status} ${res.statusText}`.trim());
  const etag = res.headers.get('etag');
  const body = await res.arrayBuffer();
  const version = ((await sha256Hex(body)) ?? '').slice(0, 12);
  const remember = async () => { if (d && version) await setMeta(d, metaKey, { etag, version }).catch(() => {}); };
  const hit = version ? await fromCache({ id: url, version, variant: 'direct', url }, ctx) : null;
  if (hit) { await remember(); return hit; }
  ctx.willStore?.();
  const got = await (await import('./direct-network.js')).directFromNetwork(url, body, ctx);
  await store(got);
  await remember();
  return got;
}
