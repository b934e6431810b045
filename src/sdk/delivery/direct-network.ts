// First download of a model.json URL loaded without a manifest (cold path only): its own lazy
// chunk, so the direct-mode core that every page downloads does not carry it (direct.ts loads it
// once model.json is in hand and the cache does not hold that version).
import type { ManifestFile } from '../../protocol/manifest-types.js';
import { modelJsonName } from '../../protocol/resolve-url.js';
import { InferScopeError } from '../errors.js';
import { expectedGroupBytes, parseModelJson, shardUrls, toArtifacts } from './artifacts.js';
import { fetchBytes, looksLikeHtml } from './download.js';
import type { FetchContext, Fetched } from './fetch-version.js';
import { modelJsonProblem } from './model-json-check.js';
import { sha256Hex } from './sha256.js';
import { modelKey } from './store.js';
import type { ModelRecord, VersionRef } from './types.js';

/**
 * A direct model.json URL (no manifest): hashes are computed on download; the version is the
 * first 12 hex characters of model.json's SHA-256. Shards are checked against the sizes the
 * weights manifest implies, and HTML served in their place is refused.
 */
export async function directFromNetwork(url: string, body: ArrayBuffer, ctx: FetchContext): Promise<Fetched> {
  const json = parseModelJson(body, url, modelJsonProblem);
  const sha = (await sha256Hex(body)) ?? 'unverified';
  const ref: VersionRef = { id: url, version: sha.slice(0, 12), variant: 'direct', url };
  const urls = shardUrls(json, url);
  const expected = expectedGroupBytes(json);
  const files: ManifestFile[] = [{ path: modelJsonName(url), sha256: sha, bytes: body.byteLength }];
  const data = new Map([[sha, body]]);
  const shards: ArrayBuffer[] = [];
  let loaded = 0;
  for (const u of urls) {
    const got = await fetchBytes(u, {
      fetch: ctx.fetch, signal: ctx.signal,
      onBytes: (n) => ctx.onProgress?.({ phase: 'download', source: 'network', loaded: (loaded += n), total: 0 }),
    });
    if (looksLikeHtml(got.data, got.contentType)) {
      ctx.onEvent({ type: 'integrity-failure', id: ref.id, version: ref.version, file: u, source: 'network' });
      throw new InferScopeError('INTEGRITY', `${u}: an HTML page came instead of a weight shard (wrong URL or a server fallback page?)`);
    }
    const h = (await sha256Hex(got.data)) ?? `unverified-${u}`;
    files.push({ path: u, sha256: h, bytes: got.data.byteLength });
    data.set(h, got.data);
    shards.push(got.data);
  }
  let at = 0;
  json.weightsManifest.forEach((g, i) => {
    const size = shards.slice(at, (at += g.paths.length)).reduce((n, s) => n + s.byteLength, 0);
    const want = expected[i];
    if (want != null && size !== want) {
      ctx.onEvent({ type: 'integrity-failure', id: ref.id, version: ref.version, file: g.paths.join(', '), source: 'network' });
      throw new InferScopeError('INTEGRITY', `${url}: weight group ${i} (${g.paths.join(', ')}) has ${size} bytes, its weights need ${want} (truncated or wrong files)`);
    }
  });
  const bytes = files.reduce((n, f) => n + f.bytes, 0);
  const now = Date.now();
  const record: ModelRecord = { key: modelKey(ref.id, ref.version), id: ref.id, version: ref.version, url, files, bytes, lastUsed: now, storedAt: now };
  return { ref, artifacts: toArtifacts(json, shards), source: 'network', bytes, downloaded: bytes, toStore: sha === 'unverified' ? null : { record, data } };
}
