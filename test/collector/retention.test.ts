// --retention-days: aggregates (and remembered batch ids) older than the retention period
// are deleted at start and hourly; newer ones stay. Schema migrations are versioned.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCollector } from '../../src/collector/server.js';
import { admin, makeBatch, startTestCollector, testConfig } from './helpers.js';

const DAY = 86_400_000;

describe('retention', () => {
  it('drops aggregates older than the retention period on start and keeps recent ones', async () => {
    const c = await startTestCollector({ retentionDays: 30 });
    const now = Date.now();
    expect(await c.store.migrations()).toEqual([1, 2, 3]);
    expect((await c.post(makeBatch({ window: { start: now - 3 * DAY - 60_000, end: now - 3 * DAY } }))).status).toBe(200);
    expect((await c.post(makeBatch())).status).toBe(200);
    const range = `from=${now - 4 * DAY}&to=${now + 60_000}`;
    expect((await (await admin(`${c.url}/v1/models/digits/report?${range}`)).json()).predictions).toBe(40);
    await c.app.close();
    await c.store.close();
    // Same database, restarted with a 2-day retention: the 3-day-old minute is gone.
    const again = await startCollector({ config: testConfig(), port: 0, db: join(c.dir, 'c.sqlite'), retentionDays: 2 });
    try {
      expect(await again.store.migrations()).toEqual([1, 2, 3]); // not re-applied
      const rep = await (await admin(`${again.url}/v1/models/digits/report?${range}`)).json();
      expect(rep.predictions).toBe(20);
      expect(rep.coverage.batches).toBe(1);
    } finally {
      await again.close();
      await c.close();
    }
  });
});
