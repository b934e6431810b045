// Every 5xx reaches the operator: one JSON log line at level error with its cause, and a
// count by status in /metrics (inferscope_http_errors_total). Forced with real broken
// storage: a closed SQLite database in process, and a stopped PostgreSQL under a collector
// process started with --log-level.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/collector/main.js';
import { startPostgres } from '../support/postgres.js';
import { until } from '../support/until.js';
import { ADMIN, KEY_SHOP, admin, makeBatch, startTestCollector, testConfig } from './helpers.js';
import { spawnCollector } from './spawn.js';

const dir = mkdtempSync(join(tmpdir(), 'inferscope-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const errorCount = (metrics: string, status: number) => Number(new RegExp(`^inferscope_http_errors_total\\{status="${status}"\\} (\\S+)$`, 'm').exec(metrics)?.[1] ?? 0);
// Only complete lines: the pipe may have delivered half of the last one so far.
const jsonLines = (text: string) => text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('5xx answers are logged and counted', () => {
  it('logs each one with its cause and counts it by status (storage closed under a running collector)', async () => {
    const lines: string[] = [];
    const c = await startTestCollector({ logStream: { write: (l: string) => { lines.push(l); } } });
    try {
      expect((await c.post(makeBatch())).status).toBe(200);
      expect(lines.filter((l) => JSON.parse(l).level >= 40)).toEqual([]); // default warn: a healthy request logs nothing
      await c.store.close();
      // Any mix of requests that need the storage: each answer is a 5xx, each is logged and counted.
      const kinds = { ingest: 503, health: 500, report: 500 } as const;
      const seq = fc.sample(fc.array(fc.constantFrom(...(Object.keys(kinds) as (keyof typeof kinds)[])), { minLength: 3, maxLength: 12 }), { numRuns: 1, seed: 7 })[0]!;
      const expected = new Map<number, number>();
      for (const kind of seq) {
        const r = kind === 'ingest' ? await c.post(makeBatch()) : kind === 'health' ? await fetch(`${c.url}/healthz`) : await admin(`${c.url}/v1/models/digits/report`);
        expect(r.status).toBe(kinds[kind]);
        expect((await r.json()).error.code).toMatch(/^(UNAVAILABLE|INTERNAL)$/);
        expected.set(kinds[kind], (expected.get(kinds[kind]) ?? 0) + 1);
      }
      const errors = lines.map((l) => JSON.parse(l) as { level: number; status?: number; msg: string; cause?: { message: string }[]; err?: { message: string } }).filter((l) => l.status !== undefined);
      expect(errors).toHaveLength(seq.length);
      for (const e of errors) {
        expect(e.level).toBe(50);
        // The cause names what broke (better-sqlite3: "The database connection is not open").
        const why = [e.err?.message, ...(e.cause ?? []).map((x) => x.message)].join(' | ');
        expect(why, JSON.stringify(e)).toMatch(/database connection is not open/);
      }
      const metrics = await (await fetch(`${c.url}/metrics`)).text();
      for (const [status, n] of expected) expect(errorCount(metrics, status)).toBe(n);
      expect(metrics).toContain('# TYPE inferscope_http_errors_total counter');
    } finally {
      await c.close();
    }
  });

  it('--log-level sets the threshold of the JSON lines on stdout; a stopped PostgreSQL is logged and counted', async () => {
    await expect(main(['--log-level', 'loud'], { signals: false })).rejects.toThrow(/--log-level must be one of fatal, error, warn, info/);
    const pg = await startPostgres();
    const cfg = join(dir, 'collector.json');
    writeFileSync(cfg, JSON.stringify(testConfig({ apps: [{ id: 'shop', keys: [KEY_SHOP], origins: ['*'] }] })));
    const c = await spawnCollector(['--postgres', pg.url, '--config', cfg, '--port', '0', '--log-level', 'info']);
    try {
      const post = () => fetch(`${c.url}/v1/batches?key=${KEY_SHOP}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(makeBatch()) });
      expect((await post()).status).toBe(200);
      // info: Fastify's request lines appear, without the query string (the app key) or addresses.
      // The request lines come through the child's stdout pipe, possibly after the answer.
      const infoLines = () => jsonLines(c.output()).filter((l) => l.level === 30 && typeof l.req === 'object');
      await until(() => infoLines().length > 0, "Fastify's request line in the log");
      expect(infoLines().length).toBeGreaterThan(0);
      expect(c.output()).not.toContain(KEY_SHOP);
      expect(c.output()).not.toMatch(/remoteAddress|remotePort|user-agent/);
      await pg.stop();
      const statuses = [(await post()).status, (await post()).status];
      expect(statuses).toEqual([503, 503]);
      // The lines come through the child's stdout pipe, after the answers: wait for them.
      const errorLines = () => jsonLines(c.output()).filter((l) => l.level === 50 && l.status === 503);
      await until(() => errorLines().length >= 2, 'the two 503s in the log');
      const logged = errorLines();
      expect(logged).toHaveLength(2);
      expect(JSON.stringify(logged[0]!.cause)).toMatch(/ECONNREFUSED|terminat|connect/i);
      const metrics = await (await fetch(`${c.url}/metrics`)).text();
      expect(errorCount(metrics, 503)).toBe(2);
      expect(ADMIN).toBeTruthy();
    } finally {
      await c.kill('SIGKILL');
      await pg.stop();
    }
  });
});
