// The version a channel names failed on a fresh page (integrity, an HTML page for a shard,
// network): run the most recently used verified cached version of the same model instead, and
// say why. Rare, so loaded lazily; the delivery's functions come in as `deps` because importing
// them here would split them into a chunk of their own that every page would pay for.
import type { DeliveryDb } from './db.js';
import type { FetchContext, Fetched, fromCache } from './fetch-version.js';
import type { listModels } from './store.js';

export interface LastGoodDeps<T> {
  listModels: typeof listModels;
  fromCache: typeof fromCache;
  compile: (f: Fetched) => Promise<T>;
  ctx: FetchContext & { db: DeliveryDb };
}

/** The first older version that verifies and compiles, with its value; null when none does. */
export async function lastGood<T>(id: string, failed: string[], err: unknown, { listModels, fromCache, compile, ctx }: LastGoodDeps<T>): Promise<(Fetched & { value: T }) | null> {
  const older = (await listModels(ctx.db)).filter((r) => r.id === id && !failed.includes(r.version)).sort((a, b) => b.lastUsed - a.lastUsed);
  for (const r of older) {
    const hit = await fromCache({ id, version: r.version, variant: 'stable', url: r.url, entry: r.entry }, ctx);
    if (!hit) continue;
    let value: T;
    try { value = await compile(hit); } catch { continue; }
    ctx.onEvent({
      type: 'last-good-fallback', id, version: r.version, failed: failed[failed.length - 1]!,
      reason: `${(err as { code?: string })?.code ?? 'ERROR'}: ${(err as Error)?.message ?? err}`,
    });
    return { ...hit, value };
  }
  return null;
}
