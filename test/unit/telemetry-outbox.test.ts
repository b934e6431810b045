// Outbox bounds on the real idb code (fake-indexeddb in Node) and on the memory fallback.
import 'fake-indexeddb/auto';
import { describe, expect, test } from 'vitest';
import { openOutbox } from '../../src/sdk/telemetry/outbox.js';

const body = (kb: number, dropped = { queue: 0, outbox: 0 }) => JSON.stringify({ dropped, pad: 'x'.repeat(kb * 1024) });
let n = 0;

describe.each([['indexeddb', undefined], ['memory', { open: () => { throw new Error('IndexedDB disabled'); } } as unknown as IDBFactory]])('%s outbox', (kind, idbFactory) => {
  test('bounded by bytes: oldest batches go first and are counted', async () => {
    const o = await openOutbox({ dbName: `bytes-${++n}`, idbFactory, maxBytes: 50 * 1024 });
    expect(o.persistent).toBe(kind === 'indexeddb');
    const t = Date.now();
    for (let i = 0; i < 8; i++) await o.put({ id: `b${i}`, body: body(10), at: t + i });
    expect((await o.list()).map((i) => i.id)).toEqual(['b4', 'b5', 'b6', 'b7']);
    expect(await o.takeDropped()).toEqual({ queue: 0, outbox: 4 });
    expect(await o.takeDropped()).toEqual({ queue: 0, outbox: 0 }); // reported once
    o.close();
  });

  test('bounded by age; an evicted batch hands on the drops it was carrying', async () => {
    const o = await openOutbox({ dbName: `age-${++n}`, idbFactory, maxAgeMs: 60_000 });
    const t = Date.now();
    await o.put({ id: 'old', body: body(1, { queue: 2, outbox: 5 }), at: t - 120_000 });
    await o.put({ id: 'new', body: body(1), at: t });
    expect((await o.list()).map((i) => i.id)).toEqual(['new']);
    expect(await o.takeDropped()).toEqual({ queue: 2, outbox: 6 });
    o.close();
  });

  test('a retry of the same batch id replaces it rather than duplicating it', async () => {
    const o = await openOutbox({ dbName: `dup-${++n}`, idbFactory });
    await o.put({ id: 'same', body: body(1), at: Date.now() });
    await o.put({ id: 'same', body: body(1), at: Date.now() + 1 });
    expect(await o.list()).toHaveLength(1);
    o.close();
  });
});

test('the wait (backoff and Retry-After) survives closing and reopening (a page reload)', async () => {
  const a = await openOutbox({ dbName: 'reload' });
  await a.wait((w) => { w.notBefore = 1234567; w.retryAfter = 1234000; });
  a.close();
  const b = await openOutbox({ dbName: 'reload' });
  expect(await b.wait()).toEqual({ notBefore: 1234567, retryAfter: 1234000 });
  b.close();
});
