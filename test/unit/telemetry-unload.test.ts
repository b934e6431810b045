// The synchronous unload path (visibilitychange -> hidden, pagehide): fetch keepalive inside
// the 64 KiB in-flight budget, then sendBeacon, then the outbox; and Retry-After still holds.
// Not parametrised over worker mode: these drive the telemetry delivery module itself, which is the
// same code inside the worker. What worker mode adds (the page holds the worker's open window and
// sends it at pagehide, since the worker stops with the page) is proven end to end in both modes by
// test/e2e/telemetry-chromium.test.ts ("page closes right after predicting", web-vitals at unload).
import { afterEach, expect, test, vi } from 'vitest';
import { createDelivery } from '../../src/sdk/telemetry/delivery.js';
import { openOutbox } from '../../src/sdk/telemetry/outbox.js';

const item = (id: string, kb: number) => ({ id: id.padEnd(32, '0'), body: JSON.stringify({ pad: 'x'.repeat(kb * 1024 - 12) }), at: Date.now() });

afterEach(() => { vi.unstubAllGlobals(); });

test('keepalive while the 64 KiB budget lasts, then sendBeacon, then the outbox', async () => {
  const sent: { keepalive: boolean; gzip: boolean; bytes: number }[] = [];
  const fetch = ((_u: string, init: RequestInit) => {
    sent.push({ keepalive: !!init.keepalive, gzip: new Headers(init.headers).has('content-encoding'), bytes: String(init.body).length });
    return new Promise<Response>(() => {}); // the page is going away: never answered
  }) as unknown as typeof globalThis.fetch;
  const beacons: number[] = [];
  let beaconOk = true;
  vi.stubGlobal('navigator', { sendBeacon: (_url: string, body: string) => { beacons.push(body.length); return beaconOk; } });
  const outbox = await openOutbox({ dbName: 'unload', idbFactory: undefined });
  const d = createDelivery({ url: 'https://c.test/v1/batches?key=k', fetch, outbox: Promise.resolve(outbox) });
  d.sendOnUnload(item('a', 30));
  d.sendOnUnload(item('b', 30));
  d.sendOnUnload(item('c', 30)); // 90 KiB would exceed the keepalive budget: beacon
  beaconOk = false;
  d.sendOnUnload(item('d', 10)); // keepalive budget still full, beacon refused: persisted
  await new Promise((r) => setTimeout(r, 10));
  expect(sent.map((s) => s.keepalive)).toEqual([true, true]);
  expect(sent.some((s) => s.gzip)).toBe(false); // unload bodies cannot wait for compression
  expect(beacons).toHaveLength(2);
  expect((await outbox.list()).map((i) => i.id[0])).toEqual(['d']);
});

test('during a Retry-After wait the unload path persists instead of sending', async () => {
  let calls = 0;
  const fetch = (async () => { calls++; return new Response(null, { status: 429, headers: { 'retry-after': '60' } }); }) as typeof globalThis.fetch;
  const beacon = vi.fn(() => true);
  vi.stubGlobal('navigator', { sendBeacon: beacon });
  const outbox = await openOutbox({ dbName: 'unload-429' });
  const d = createDelivery({ url: 'https://c.test/v1/batches', fetch, outbox: Promise.resolve(outbox) });
  await d.send(item('a', 1));
  expect(d.backingOff).toBe(true);
  d.sendOnUnload(item('b', 1));
  await new Promise((r) => setTimeout(r, 10));
  expect(calls).toBe(1);
  expect(beacon).not.toHaveBeenCalled();
  expect((await outbox.list()).map((i) => i.id[0]).sort()).toEqual(['a', 'b']);
  d.dispose();
});
