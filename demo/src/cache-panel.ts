// Section 5: what the SDK keeps in IndexedDB (client.cached()), with bytes and an evict button.
import type { App } from './app.js';
import { action, byId, bytes, h, show, table } from './dom.js';

export function initCachePanel(app: App): void {
  const status = byId('cache-status');
  async function refresh(): Promise<void> {
    if (!app.client) { show(byId('cache-table'), h('p', { class: 'muted' }, 'Load a model to open the cache.')); return; }
    const list = await app.client.cached();
    const total = list.reduce((a, m) => a + m.bytes, 0);
    show(byId('cache-table'), list.length
      ? table(['model', 'version', 'bytes', 'last used', ''], [
        ...list.map((m) => {
          const evict = h('button', { class: 'evict' }, 'Evict');
          action(evict, status, async () => { await app.client!.evict(m.id, m.version); await refresh(); });
          return [m.id, m.version, bytes(m.bytes), new Date(m.lastUsed).toLocaleTimeString(), evict];
        }),
        [h('b', {}, 'total'), `${list.length} version(s)`, h('b', { id: 'cache-total' }, bytes(total)), '', ''],
      ])
      : h('p', { class: 'muted', id: 'cache-empty' }, 'Nothing cached: the next load downloads from the network.'));
    const est = await navigator.storage?.estimate?.().catch(() => null);
    show(byId('cache-storage'), est ? `origin storage: ${bytes(est.usage)} used of ${bytes(est.quota)}` : '');
  }
  action(byId<HTMLButtonElement>('cache-refresh'), status, refresh);
  action(byId<HTMLButtonElement>('cache-evict-all'), status, async () => {
    if (!app.client) return;
    for (const id of new Set((await app.client.cached()).map((m) => m.id))) await app.client.evict(id);
    await refresh();
  });
  app.onModel(() => { refresh().catch((err) => show(status, String((err as Error).message))); });
}
