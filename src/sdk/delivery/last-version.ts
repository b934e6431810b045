// Which version a (manifest, id, channel) resolved to last time, kept in localStorage (read
// synchronously). A warm load reads that version's record and files from IndexedDB while the
// manifest is still being read, instead of one round trip after the other. Only a guess: the
// manifest's answer decides, and a stale guess costs one wasted read. A worker has no localStorage:
// there `store` is the page's copy (src/sdk/proxy/page-passes.ts hands it over, writes changes back).
import type { ManifestFile } from '../../protocol/manifest-types.js';

const PREFIX = 'inferscope:last:';

export interface LastVersion { version: string; shas: string[] }

type Store = Pick<Storage, 'getItem' | 'setItem'>;

const storage = (store?: Store): Store | undefined => {
  try { return store ?? (globalThis as { localStorage?: Storage }).localStorage; } catch { return undefined; } // sandboxed: throws
};

export function readLastVersion(key: string, store?: Store): LastVersion | null {
  try {
    const v = JSON.parse(storage(store)?.getItem(PREFIX + key) ?? 'null') as LastVersion | null;
    return v && typeof v.version === 'string' && Array.isArray(v.shas) ? v : null;
  } catch {
    return null;
  }
}

export function writeLastVersion(key: string, version: string, files: readonly ManifestFile[], store?: Store): void {
  const shas = files.map((f) => f.sha256);
  const old = readLastVersion(key, store);
  if (old && old.version === version && old.shas.join() === shas.join()) return;
  try { storage(store)?.setItem(PREFIX + key, JSON.stringify({ version, shas })); } catch { /* full or disabled: only a hint */ }
}

/** Whether a guess read with these files is the version the manifest resolved. */
export const sameFiles = (guess: LastVersion, version: string, files: readonly ManifestFile[] | undefined) =>
  guess.version === version && !!files && files.length === guess.shas.length && files.every((f, i) => f.sha256 === guess.shas[i]);
