// A batch the collector refuses for good (a non-retryable 4xx: 400 schema, 401 key, 403 origin,
// 404, 413 too large, 415, 422) is not retried, and used to vanish without a trace: neither the
// batch itself nor the drop counts it carried from earlier losses were reported anywhere, so the
// dashboard's coverage showed nothing missing. It is now counted like any other lost batch and the
// next batch reports it. Generated over the statuses, the carried counts and the three paths a
// batch can be sent on (the queue, the outbox drain, the unload keepalive send).
import 'fake-indexeddb/auto';
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { createDelivery } from '../../src/sdk/telemetry/delivery.js';
import { openOutbox } from '../../src/sdk/telemetry/outbox.js';

let n = 0;
test('generated: a refused batch and the drops it carried are reported by the next batch, on every send path', async () => {
  await fc.assert(fc.asyncProperty(
    fc.constantFrom(400, 401, 403, 404, 413, 415, 422), fc.nat(5), fc.nat(5), fc.constantFrom('queue', 'drain', 'unload'),
    async (status, q, o, path) => {
      const url = `https://c.test/v1/batches?key=refused${++n}`;
      let calls = 0;
      const fetch = (async () => { calls++; return new Response('{}', { status }); }) as unknown as typeof globalThis.fetch;
      const item = { id: `r${n}`.padEnd(32, '0'), body: JSON.stringify({ batchId: `r${n}`, dropped: { queue: q, outbox: o } }), at: Date.now() };
      const outbox = openOutbox({ dbName: `refused-${n}` });
      if (path === 'drain') await (await outbox).put(item);
      const d = createDelivery({ url, fetch, outbox, compress: false, locks: null });
      if (path === 'queue') await d.send(item);
      else if (path === 'unload') d.sendOnUnload(item);
      // Bounded by time, not 400 turns of 2 ms: the outbox and the send take longer on a loaded CI machine.
      for (const end = Date.now() + 60_000; (calls === 0 || d.stats.rejected === 0) && Date.now() < end;) await new Promise((r) => setTimeout(r, 2));
      expect(calls, 'not retried').toBe(1);
      expect(d.stats.rejected).toBe(1);
      expect(d.takeDropped()).toEqual({ queue: q, outbox: o + 1 });
      d.dispose();
    },
  ), { numRuns: 40 });
}, 180_000); // only ends a hang; the loaded CI machine runs this 5-10x slower
