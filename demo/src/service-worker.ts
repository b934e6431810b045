// Offline after the first visit: /sw.js precaches every file of the build (sw-assets.json,
// written at build). Model files are not its business: the SDK keeps them in IndexedDB.
// The registration URL carries the build id, so a new build installs a new worker.
export async function registerServiceWorker(): Promise<string> {
  if (!('serviceWorker' in navigator)) return 'no service worker support';
  if (import.meta.env.DEV) return 'offline cache off in dev mode';
  try {
    const res = await fetch('/sw-assets.json', { cache: 'no-store' });
    const { id } = (await res.json()) as { id: string };
    await navigator.serviceWorker.register(`/sw.js?v=${id}`, { scope: '/' });
    return `works offline (build ${id})`;
  } catch {
    // Offline: the worker registered on the first visit is already serving this page.
    return navigator.serviceWorker.controller ? 'offline: served from the cache' : 'offline cache unavailable';
  }
}
