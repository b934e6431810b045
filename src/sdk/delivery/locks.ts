// Cross-tab exclusion for installing one model version. With Web Locks, a second tab waits
// for the first to finish and then finds the version in the cache (one download). Without
// them (old browsers, Node) each context downloads on its own; content addressing makes the
// duplicate write harmless, and in-process callers are still deduplicated by key.
const inProcess = new Map<string, Promise<unknown>>();

export async function withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  if (locks?.request) return locks.request(name, fn) as Promise<T>;
  // Serialize per name inside this JS context.
  const prev = inProcess.get(name) ?? Promise.resolve();
  const run = prev.catch(() => {}).then(fn);
  const tail = run.catch(() => {});
  inProcess.set(name, tail);
  tail.then(() => { if (inProcess.get(name) === tail) inProcess.delete(name); });
  return run;
}
