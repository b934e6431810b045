// Service worker of the InferScope demo page: offline after the first visit.
// - install: precache every file of the build (listed in /sw-assets.json, written at build)
// - fetch: network first, cache as fallback, for the page, its config and the models' JSON
//   (manifest, labelled samples); build assets are content-hashed, so cache first.
// Model weights and model.json are left to the SDK, which stores them in IndexedDB.
const VERSION = new URL(self.location.href).searchParams.get('v') || 'dev';
const CACHE = `inferscope-demo-${VERSION}`;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const res = await fetch('/sw-assets.json', { cache: 'no-store' });
    const { files } = await res.json();
    const cache = await caches.open(CACHE);
    await cache.addAll(['/', ...files.map((f) => `/${f}`)]);
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name.startsWith('inferscope-demo-') && name !== CACHE) await caches.delete(name);
    await self.clients.claim();
  })());
});

// Vite answers with Vary: Origin, and module scripts are requested with an Origin header the
// precache requests lacked: match on the URL alone.
const MATCH = { ignoreVary: true, ignoreSearch: true };

function handled(url) {
  if (url.origin !== self.location.origin) return false;
  if (url.pathname.startsWith('/collector/') || url.pathname.startsWith('/dropped/')) return false;
  if (url.pathname.startsWith('/models/')) return url.pathname.endsWith('.json') && !url.pathname.endsWith('/model.json');
  return true;
}

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const res = await fetch(request);
    if (res.ok && res.status === 200) await cache.put(request, res.clone());
    return res;
  } catch (err) {
    const hit = await cache.match(request, MATCH) ?? (request.mode === 'navigate' ? await cache.match('/', MATCH) : undefined);
    if (hit) return hit;
    throw err;
  }
}

async function cacheFirst(request) {
  const hit = await caches.match(request, MATCH);
  return hit ?? networkFirst(request);
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (!handled(url)) return;
  event.respondWith(url.pathname.startsWith('/assets/') || url.pathname.startsWith('/inferscope/') ? cacheFirst(request) : networkFirst(request));
});
