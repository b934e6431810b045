// PostgreSQL store, for several stateless collector replicas sharing one database.
// No lost update: every group of batches runs in one transaction that (1) records the
// batch ids (ON CONFLICT DO NOTHING: a replay is skipped even when two replicas get it at
// once, because the second insert waits for the first transaction), (2) makes sure the
// target rows exist, (3) locks them with SELECT ... FOR UPDATE in one global key order
// (so replicas never deadlock on each other), (4) merges in JS and writes back.
import { createRequire } from 'node:module';
import type PgTypes from 'pg';
import { combineDeltas, emptyState, mergeState, type AggState } from '../aggregate.js';
import { MIGRATIONS, MIGRATIONS_TABLE } from './migrations.js';
import { postgresReleaseStore } from '../releases/store-postgres.js';
import { RETRYABLE_PG_CODES, type IngestItem, type RowQuery, type Store, type StoredRow } from './types.js';

export interface PostgresStoreOptions {
  url: string;
  /** Connections per replica. */
  poolSize?: number;
}

// Any fixed number: replicas starting together take turns migrating.
const MIGRATION_LOCK = 0x1f5c0_0001;
const KEY_COLS = 'app, model, version, backend, variant, minute';
const UNNEST_KEYS = 'unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[])';

export async function openPostgresStore({ url, poolSize = 8 }: PostgresStoreOptions): Promise<Store> {
  const pg = createRequire(import.meta.url)('pg') as typeof PgTypes;
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle client losing its connection must not crash the process.
  pool.on('error', () => {});
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(MIGRATIONS_TABLE);
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((r) => r.version));
    for (const m of MIGRATIONS) {
      if (applied.has(m.version)) continue;
      await client.query('BEGIN');
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, Date.now()]);
      await client.query('COMMIT');
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
    client.release();
  }

  async function ingestOnce(items: IngestItem[]): Promise<boolean[]> {
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      const inserted = await c.query<{ app: string; batch_id: string }>(
        // Sorted, like the row locks below, so two transactions never wait on each other's ids in opposite orders.
        'INSERT INTO batches (app, batch_id, received_at) SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) AS b(app, batch_id, received_at) ORDER BY 1, 2 ON CONFLICT DO NOTHING RETURNING app, batch_id',
        [items.map((i) => i.app), items.map((i) => i.batchId), items.map((i) => i.receivedAt)],
      );
      const freshIds = new Set(inserted.rows.map((r) => `${r.app}\u0000${r.batch_id}`));
      // The writer removes in-group duplicates, so each fresh id maps to exactly one item.
      const fresh = items.map((i) => freshIds.delete(`${i.app}\u0000${i.batchId}`));
      const deltas = combineDeltas(items.filter((_, i) => fresh[i]).flatMap((it) => it.deltas));
      if (deltas.length) {
        const cols = [
          deltas.map((d) => d.key.app), deltas.map((d) => d.key.model), deltas.map((d) => d.key.version),
          deltas.map((d) => d.key.backend), deltas.map((d) => d.key.variant), deltas.map((d) => d.key.minute),
        ];
        await c.query(`INSERT INTO aggregates (${KEY_COLS}, state) SELECT k.*, '{}' FROM ${UNNEST_KEYS} AS k ORDER BY 1, 2, 3, 4, 5, 6 ON CONFLICT DO NOTHING`, cols);
        const locked = await c.query<{ app: string; model: string; version: string; backend: string; variant: string; minute: string; state: string }>(
          `SELECT ${KEY_COLS}, state FROM aggregates WHERE (${KEY_COLS}) IN (SELECT * FROM ${UNNEST_KEYS}) ORDER BY ${KEY_COLS} FOR UPDATE`, cols);
        const current = new Map(locked.rows.map((r) => [`${r.app}\u0000${r.model}\u0000${r.version}\u0000${r.backend}\u0000${r.variant}\u0000${Number(r.minute)}`, r.state]));
        const states = deltas.map((d) => {
          const k = d.key;
          const cur = current.get(`${k.app}\u0000${k.model}\u0000${k.version}\u0000${k.backend}\u0000${k.variant}\u0000${k.minute}`);
          const base = cur && cur !== '{}' ? (JSON.parse(cur) as AggState) : emptyState();
          return JSON.stringify(mergeState(base, d.state));
        });
        await c.query(
          `UPDATE aggregates a SET state = v.state FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[]) AS v(${KEY_COLS}, state)
           WHERE (a.app, a.model, a.version, a.backend, a.variant, a.minute) = (v.app, v.model, v.version, v.backend, v.variant, v.minute)`,
          [...cols, states],
        );
      }
      await c.query('COMMIT');
      return fresh;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      c.release();
    }
  }

  let closed = false;
  return {
    kind: 'postgres',
    releases: postgresReleaseStore(pool),
    async ingest(items) {
      for (let attempt = 0; ; attempt++) {
        try {
          return await ingestOnce(items);
        } catch (err) {
          const code = (err as { code?: string }).code;
          if (attempt >= 8 || !code || !RETRYABLE_PG_CODES.has(code)) throw err;
          await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * (attempt + 1)));
        }
      }
    },
    async rows({ model, from, to, version, backend, app }: RowQuery): Promise<StoredRow[]> {
      const where = ['model = $1', 'minute >= $2', 'minute < $3'];
      const args: (string | number)[] = [model, from, to];
      if (version !== undefined) { args.push(version); where.push(`(version = $${args.length} OR version = '')`); }
      if (backend !== undefined) { args.push(backend); where.push(`(backend = $${args.length} OR version = '')`); }
      if (app !== undefined) { args.push(app); where.push(`app = $${args.length}`); }
      const { rows } = await pool.query<{ app: string; model: string; version: string; backend: string; variant: string; minute: string; state: string }>(
        `SELECT ${KEY_COLS}, state FROM aggregates WHERE ${where.join(' AND ')} AND state <> '{}' ORDER BY minute`, args);
      return rows.map((r) => ({ ...r, minute: Number(r.minute), state: JSON.parse(r.state) as AggState }));
    },
    async models(since) {
      const { rows } = await pool.query<{ app: string; model: string; last_minute: string }>(
        "SELECT app, model, MAX(minute) AS last_minute FROM aggregates WHERE minute >= $1 AND model <> '' GROUP BY app, model ORDER BY model, app", [since]);
      return rows.map((r) => ({ app: r.app, model: r.model, lastMinute: Number(r.last_minute) }));
    },
    async prune(before) {
      const a = await pool.query('DELETE FROM aggregates WHERE minute < $1', [before]);
      const b = await pool.query('DELETE FROM batches WHERE received_at < $1', [before]);
      return { aggregates: a.rowCount ?? 0, batches: b.rowCount ?? 0 };
    },
    async migrations() {
      const { rows } = await pool.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
      return rows.map((r) => r.version);
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
