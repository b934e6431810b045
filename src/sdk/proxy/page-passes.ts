// The page's half of the localStorage entries the SDK keeps, in worker mode (src/sdk/worker/worker-passes.ts
// is the worker's, which has no localStorage): the remembered self-test passes and the last-version
// hints (delivery/last-version.ts: without them the worker's warm load reads the version's record only
// after the manifest). Read for init(), written back as the worker records or removes them. Only keys
// under these prefixes cross, either way. (The prefixes are self-test-memory.ts's and last-version.ts's,
// written out here: importing those files would bring tfjs and delivery onto the page.)
const ours = (k: unknown): k is string => typeof k === 'string' && /^inferscope:(selftest|last):/.test(k);

type Save = (key: string, value: string | null) => void;

/** The stored passes and the writer for the worker's changes; [] where the page has no localStorage. */
export function pagePasses(): [Record<string, string>, Save] | [] {
  try {
    const ls = localStorage;
    const entries: Record<string, string> = {};
    for (let i = 0; i < ls.length; i++) {
      const k = ls.key(i);
      if (ours(k)) entries[k] = ls.getItem(k)!;
    }
    const save: Save = (k, v) => {
      if (!ours(k)) return;
      try { if (typeof v === 'string') ls.setItem(k, v); else ls.removeItem(k); } catch { /* full: tested next time */ }
    };
    return [entries, save];
  } catch {
    return []; // none, or sandboxed (throws): the worker tests on every load
  }
}
