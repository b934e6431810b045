// The device clock set back during a backoff (by the user, or by NTP after a sleep). Waits are
// wall-clock times shared through the outbox, so a 100 ms backoff became a wait as long as the
// jump: every batch of every tab stayed in the outbox for hours or days. Generated over the size of
// the jump, the failure that started the wait (500, or 429 with Retry-After) and whether the next
// batch arrives before or after the timer: all batches are delivered within a few backoff periods,
// each counted once. (A clock moved forward only ends a wait early: the collector answers 429
// again if it still wants one.)
import 'fake-indexeddb/auto';
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { createDelivery } from '../../src/sdk/telemetry/delivery.js';
import { openOutbox } from '../../src/sdk/telemetry/outbox.js';

const HOUR = 3_600_000;
let n = 0;
test('generated: a clock set back by 1 h to 30 days during a wait does not hold delivery for the jump', async () => {
  await fc.assert(fc.asyncProperty(
    fc.integer({ min: HOUR, max: 30 * 24 * HOUR }), fc.constantFrom('500', '429'), fc.boolean(),
    async (jump, failure, second) => {
      let offset = 0;
      const now = () => Date.now() + offset;
      let calls = 0;
      const ok = new Set<string>();
      const fetch = (async (_u: string, init: RequestInit) => {
        const id = (JSON.parse(String(init.body)) as { id: string }).id;
        if (calls++ === 0) return failure === '500' ? new Response('{}', { status: 500 }) : new Response('{}', { status: 429, headers: { 'retry-after': '1' } });
        ok.add(id);
        return new Response('{}', { status: 200 });
      }) as unknown as typeof globalThis.fetch;
      const mk = (i: number) => ({ id: `c${n}-${i}`.padEnd(32, '0'), body: JSON.stringify({ id: `c${n}-${i}` }), at: now() });
      const d = createDelivery({
        url: `https://c.test/v1/batches?key=clock${++n}`, fetch, now, compress: false, locks: null,
        outbox: openOutbox({ dbName: `clock-${n}` }, now), retry: { baseMs: 50, maxMs: 100, maxRetryAfterMs: 200 },
      });
      await d.send(mk(1)); // fails: a wait of 25-200 ms starts
      offset -= jump; // the clock goes back
      if (second) await d.send(mk(2)); // a batch made after the jump
      // The wrong behaviour waits as long as the jump (an hour or more); 30 s tells them apart on a
      // loaded CI machine too (5 s could pass with a correct SDK there).
      const end = Date.now() + 30_000;
      while (ok.size < (second ? 2 : 1) && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      expect(ok.size, `delivered within 30 s after the clock went back ${Math.round(jump / HOUR)} h`).toBe(second ? 2 : 1);
      d.dispose();
    },
  ), { numRuns: 20 });
}, 120_000);
