// A worker has no localStorage, so the remembered self-test passes (self-test-memory.ts) and the
// last-version hints (delivery/last-version.ts) live on the page: it hands the ones it holds to the
// worker with init() (src/sdk/proxy/page-passes.ts), and every entry the worker writes or removes is
// posted back for the page to write. The pass keys and expiry are checked here, from the worker's own
// user agent, GPU and tfjs, as in direct mode; a hint is only a guess the manifest confirms.
import type { PassStore } from '../self-test-memory.js';

/** The page's entries as a store; `save(key, value)` tells the page (null: removed). */
export function workerPasses(entries: Record<string, string>, save?: (key: string, value: string | null) => void): PassStore {
  const held = new Map<string, string>();
  for (const [k, v] of Object.entries(entries)) if (typeof v === 'string') held.set(k, v);
  const tell = (k: string, v: string | null) => { try { save?.(k, v); } catch { /* the page is gone: tested next time */ } };
  return {
    getItem: (k) => held.get(k) ?? null,
    setItem(k, v) { held.set(k, v); tell(k, v); },
    removeItem(k) { if (held.delete(k)) tell(k, null); },
  };
}
