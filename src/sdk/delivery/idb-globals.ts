// `idb` recognises IndexedDB objects with `instanceof IDBRequest`, `IDBDatabase`, … looked up in
// the global scope. In Node an injected factory (fake-indexeddb's `new IDBFactory()` without
// `fake-indexeddb/auto`) comes without them, and every idb call fails with "IDBRequest is not
// defined". Loaded only there: the classes are read off the factory's own objects (a probe
// database holding one record, deleted afterwards) and defined as globals where missing. Only
// the class names: `indexedDB` stays undefined, so code that looks for a browser IndexedDB finds none.
const req = <T>(r: IDBRequest<T>) => new Promise<T>((ok, no) => { r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error); });
const parent = (c: { prototype: object }) => Object.getPrototypeOf(c.prototype).constructor;

export async function defineIdbGlobals(factory: IDBFactory): Promise<void> {
  const name = 'inferscope-idb-probe';
  const open = factory.open(name, 1);
  open.onupgradeneeded = () => open.result.createObjectStore('s').createIndex('i', '');
  const db = await req(open);
  try {
    const tx = db.transaction('s', 'readwrite');
    const store = tx.objectStore('s');
    store.put(1, 1);
    const cursor = (await req(store.openCursor()))!;
    const found: Record<string, unknown> = {
      IDBRequest: parent(open.constructor), IDBOpenDBRequest: open.constructor, IDBDatabase: db.constructor,
      IDBTransaction: tx.constructor, IDBObjectStore: store.constructor, IDBIndex: store.index('i').constructor,
      IDBCursorWithValue: cursor.constructor, IDBCursor: parent(cursor.constructor),
    };
    tx.abort();
    const g = globalThis as Record<string, unknown>;
    for (const k in found) g[k] ??= found[k];
  } finally {
    db.close();
    factory.deleteDatabase(name);
  }
}
