// --retention-days: aggregates older than the retention period are deleted at start and
// hourly; newer ones stay. --dedupe-days: remembered batch ids have their own, shorter window
// (default 7 days). Schema migrations are versioned.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchToDeltas } from '../../src/collector/aggregate.js';
import { storedBatchId } from '../../src/collector/ingest.js';
import { main } from '../../src/collector/main.js';
import { startCollector } from '../../src/collector/server.js';
import { MIGRATIONS } from '../../src/collector/store/migrations.js';
import { openSqliteStore } from '../../src/collector/store/sqlite.js';
import { validateBatch } from '../../src/protocol/wire.js';
import { admin, KEY_SHOP, makeBatch, startTestCollector, testConfig } from './helpers.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;

describe('retention', () => {
  it('drops aggregates older than the retention period on start and keeps recent ones', async () => {
    const c = await startTestCollector({ retentionDays: 30 });
    const now = Date.now();
    expect(await c.store.migrations()).toEqual(MIGRATIONS.map((m) => m.version));
    expect((await c.post(makeBatch({ window: { start: now - 3 * DAY - 60_000, end: now - 3 * DAY } }))).status).toBe(200);
    expect((await c.post(makeBatch())).status).toBe(200);
    const range = `from=${now - 4 * DAY}&to=${now + 60_000}`;
    expect((await (await admin(`${c.url}/v1/models/digits/report?${range}`)).json()).predictions).toBe(40);
    await c.app.close();
    await c.store.close();
    // Same database, restarted with a 2-day retention: the 3-day-old minute is gone.
    const again = await startCollector({ config: testConfig(), port: 0, db: join(c.dir, 'c.sqlite'), retentionDays: 2 });
    try {
      expect(await again.store.migrations()).toEqual(MIGRATIONS.map((m) => m.version)); // not re-applied
      const rep = await (await admin(`${again.url}/v1/models/digits/report?${range}`)).json();
      expect(rep.predictions).toBe(20);
      expect(rep.coverage.batches).toBe(1);
    } finally {
      await again.close();
      await c.close();
    }
  });
  it('remembers batch ids for dedupeDays (default 7), apart from the aggregates\' retention', async () => {
    await fc.assert(fc.asyncProperty(
      fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }),
      // How long ago (hours, up to 20 days) each batch was first received.
      fc.array(fc.integer({ min: 0, max: 20 * 24 }), { minLength: 1, maxLength: 5 }),
      async (dedupeDays, agesH) => {
        const windowH = (dedupeDays ?? 7) * 24;
        const ages = agesH.filter((h) => Math.abs(h - windowH) >= 2); // not on the hourly prune's edge
        fc.pre(ages.length > 0);
        const dir = mkdtempSync(join(tmpdir(), 'inferscope-dedupe-'));
        const file = join(dir, 'c.sqlite');
        const now = Date.now();
        // First receipts in the past, written through the store as the collector wrote them then.
        const store = openSqliteStore({ file });
        const batches = ages.map((h) => {
          const t = now - h * HOUR;
          const v = validateBatch(JSON.parse(JSON.stringify(makeBatch({ sentAt: t, window: { start: t - 60_000, end: t } }))));
          if (!v.ok) throw new Error(v.message);
          return { batch: v.batch, t };
        });
        await store.ingest(batches.map(({ batch, t }) => ({ app: 'shop', batchId: storedBatchId(batch.batchId), receivedAt: t, deltas: batchToDeltas('shop', batch, t) })));
        await store.close();
        const c = await startCollector({ config: testConfig(), port: 0, db: file, retentionDays: 30, ...(dedupeDays === undefined ? {} : { dedupeDays }) });
        try {
          const range = `from=${now - 21 * DAY}&to=${now + 60_000}`;
          const before = (await (await admin(`${c.url}/v1/models/digits/report?${range}`)).json()).predictions as number;
          expect(before).toBe(20 * ages.length); // the aggregates outlive the ids (30-day retention)
          let recounted = 0;
          for (const [i, { batch }] of batches.entries()) {
            const r = await fetch(`${c.url}/v1/batches?key=${KEY_SHOP}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batch) });
            const counted = ((await r.json()) as { counted: boolean }).counted;
            expect({ ageHours: ages[i], counted }).toEqual({ ageHours: ages[i], counted: ages[i]! > windowH });
            if (counted) recounted++;
          }
          expect((await (await admin(`${c.url}/v1/models/digits/report?${range}`)).json()).predictions).toBe(20 * (ages.length + recounted));
        } finally {
          await c.close();
          rmSync(dir, { recursive: true, force: true });
        }
      },
    ), { numRuns: 10 });
  }, 120_000);

  it('refuses a dedupe window that is not a number of days in (0, 366]', async () => {
    for (const bad of ['0', '-1', 'week', '400']) {
      await expect(main(['--dedupe-days', bad, '--port', '0'], { signals: false, out: () => {} })).rejects.toMatchObject({ code: 'CONFIG' });
    }
  });
});
