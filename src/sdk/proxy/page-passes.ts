// The page's half of the remembered self-test passes in worker mode (src/sdk/worker/worker-passes.ts
// is the worker's): read them from localStorage for init(), write back what the worker records or
// removes. Only keys under the prefix cross, either way. (The prefix is self-test-memory.ts's,
// written out here: importing that file would bring tfjs onto the page.)
const PREFIX = 'inferscope:selftest:';

type Save = (key: string, value: string | null) => void;

/** The stored passes and the writer for the worker's changes; [] where the page has no localStorage. */
export function pagePasses(): [Record<string, string>, Save] | [] {
  try {
    const ls = localStorage;
    const entries: Record<string, string> = {};
    for (let i = 0; i < ls.length; i++) {
      const k = ls.key(i);
      if (k?.startsWith(PREFIX)) entries[k] = ls.getItem(k)!;
    }
    const save: Save = (k, v) => {
      if (typeof k !== 'string' || !k.startsWith(PREFIX)) return;
      try { if (typeof v === 'string') ls.setItem(k, v); else ls.removeItem(k); } catch { /* full: tested next time */ }
    };
    return [entries, save];
  } catch {
    return []; // none, or sandboxed (throws): the worker tests on every load
  }
}
