// PostgreSQL store, for several stateless collector replicas sharing one database.
// Ingest is insert-only: a group of batches is ONE statement (one round trip, its own
// transaction) that records the batch ids and appends the group's combined deltas to
// aggregate_parts. No replica reads or locks an aggregate row on the ingest path, so
// replicas never queue behind each other on the hot (app, model, version, backend, minute)
// rows, and PostgreSQL does not rewrite a whole row state per group. If any id in the group
// was already counted (a replay), that statement takes back the ids it had just inserted and
// appends nothing (see INGEST_FUNCTION); the group is then redone in a transaction that
// appends only the fresh batches' deltas. A replay is skipped even when two replicas get it
// at once: the second insert waits for the first transaction. Nothing on this path raises an
// error, so replays leave no ERROR lines in PostgreSQL's log.
// A background roll-up (every rollupMs, one replica at a time by advisory lock) moves parts
// into aggregates: DELETE ... RETURNING, merge in JS, and the old locked read-modify-write
// (rows locked in one global key order, so it never deadlocks). Readers add aggregates and
// parts in one statement (one snapshot), so a report never misses or double-counts a part.
import { createRequire } from 'node:module';
import type PgTypes from 'pg';
import { combineDeltas, emptyState, keyString, mergeState, type AggState, type RowDelta } from '../aggregate.js';
import { MIGRATIONS, MIGRATIONS_TABLE } from './migrations.js';
import { postgresReleaseStore } from '../releases/store-postgres.js';
import { RETRYABLE_PG_CODES, type IngestItem, type RowQuery, type Store, type StoredRow } from './types.js';

export interface PostgresStoreOptions {
  url: string;
  /** Connections per replica. */
  poolSize?: number;
  /** How often parts are rolled up into aggregates (ms). */
  rollupMs?: number;
}

// Any fixed number: replicas starting together take turns migrating.
const MIGRATION_LOCK = 0x1f5c0_0001;
const ROLLUP_LOCK = 0x1f5c0_0002;
const KEY_COLS = 'app, model, version, backend, variant, minute';
const UNNEST_KEYS = 'unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[])';

type KeyedRow = { app: string; model: string; version: string; backend: string; variant: string; minute: string; state: string };

const toDelta = (r: KeyedRow): RowDelta => ({
  key: { app: r.app, model: r.model, version: r.version, backend: r.backend, variant: r.variant, minute: Number(r.minute) },
  state: JSON.parse(r.state) as AggState,
});

const keyCols = (deltas: RowDelta[]) => [
  deltas.map((d) => d.key.app), deltas.map((d) => d.key.model), deltas.map((d) => d.key.version),
  deltas.map((d) => d.key.backend), deltas.map((d) => d.key.variant), deltas.map((d) => d.key.minute),
];

// Parts travel as ONE JSON text decoded by json_to_recordset in PostgreSQL: node-postgres
// escapes every element of a text[] parameter in JS (two regex passes over each ~1.5 KB
// state), which cost more collector CPU than building the states themselves.
const partsFrom = (json: string) => `INSERT INTO aggregate_parts (${KEY_COLS}, state)
  SELECT app, model, version, backend, variant, minute, state::text FROM json_to_recordset(${json})
  AS p(app text, model text, version text, backend text, variant text, minute bigint, state json)`;
const INSERT_PARTS = partsFrom('$1::json');

// The fast path as one function call (one round trip, one transaction). It inserts the
// group's ids; when fewer were new than sent (a replay), it deletes the ones it just inserted
// (its own rows, which no other transaction can see yet; a replica waiting on one of them
// then inserts it itself) and returns false without appending anything. The statement it
// replaces failed on purpose instead (division by zero), which made PostgreSQL log an ERROR
// per replay. (Re)created at every start under the migration lock: it is code, not data.
const INGEST_FUNCTION = `CREATE OR REPLACE FUNCTION inferscope_ingest_group(parts json, apps text[], ids text[], received bigint[])
  RETURNS boolean LANGUAGE plpgsql AS $fn$
DECLARE fresh_apps text[]; fresh_ids text[];
BEGIN
  WITH fresh AS (
    INSERT INTO batches (app, batch_id, received_at)
    SELECT * FROM unnest(apps, ids, received) AS b(app, batch_id, received_at) ORDER BY 1, 2
    ON CONFLICT DO NOTHING RETURNING app, batch_id)
  SELECT array_agg(fresh.app), array_agg(fresh.batch_id) INTO fresh_apps, fresh_ids FROM fresh;
  IF coalesce(cardinality(fresh_ids), 0) < cardinality(ids) THEN
    DELETE FROM batches b USING unnest(fresh_apps, fresh_ids) AS f(app, batch_id) WHERE b.app = f.app AND b.batch_id = f.batch_id;
    RETURN false;
  END IF;
  ${partsFrom('parts')};
  RETURN true;
END
$fn$`;

/** The parts of one group as the JSON text INSERT_PARTS reads. */
const partsJson = (deltas: RowDelta[]) => JSON.stringify(deltas.map((d) => ({ ...d.key, state: d.state })));

/**
 * The group's deltas, one per row key. A lone item's deltas are already one per key
 * (batchToDeltas), and are only read here, so they go as they are, without the copy that
 * combining makes (merging mutates its target, and a retried group must see the originals).
 */
const groupDeltas = (items: IngestItem[]) => (items.length === 1 ? items[0]!.deltas : combineDeltas(items.flatMap((it) => it.deltas)));

export async function openPostgresStore({ url, poolSize = 8, rollupMs = 1000 }: PostgresStoreOptions): Promise<Store> {
  const pg = createRequire(import.meta.url)('pg') as typeof PgTypes;
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // A client losing its connection must not crash the process: idle ones report through the
  // pool, a checked-out one emits 'error' on itself (node-postgres has no listener there) when
  // the server goes away between two of its queries. The query in flight, or the next one,
  // fails and is answered as a 503, so the listener only has to exist.
  pool.on('error', () => {});
  pool.on('connect', (c) => { c.on('error', () => {}); });
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
    await client.query(INGEST_FUNCTION);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
    client.release();
  }

  async function ingestFast(items: IngestItem[]): Promise<boolean> {
    // Named: each pooled connection parses and plans it once, not once per group.
    const { rows: [r] } = await pool.query<{ ok: boolean }>({
      name: 'inferscope-ingest-v3', text: 'SELECT inferscope_ingest_group($1::json, $2::text[], $3::text[], $4::bigint[]) AS ok',
      values: [partsJson(groupDeltas(items)), items.map((i) => i.app), items.map((i) => i.batchId), items.map((i) => i.receivedAt)],
    });
    return r!.ok; // false: a replay in the group, and nothing was written
  }

  async function ingestWithReplays(items: IngestItem[]): Promise<boolean[]> {
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      const inserted = await c.query<{ app: string; batch_id: string }>(
        // Sorted, so two transactions never wait on each other's ids in opposite orders.
        'INSERT INTO batches (app, batch_id, received_at) SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) AS b(app, batch_id, received_at) ORDER BY 1, 2 ON CONFLICT DO NOTHING RETURNING app, batch_id',
        [items.map((i) => i.app), items.map((i) => i.batchId), items.map((i) => i.receivedAt)],
      );
      const freshIds = new Set(inserted.rows.map((r) => `${r.app}\u0000${r.batch_id}`));
      // The writer removes in-group duplicates, so each fresh id maps to exactly one item.
      const fresh = items.map((i) => freshIds.delete(`${i.app}\u0000${i.batchId}`));
      const freshItems = items.filter((_, i) => fresh[i]);
      if (freshItems.length) await c.query(INSERT_PARTS, [partsJson(groupDeltas(freshItems))]);
      await c.query('COMMIT');
      return fresh;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      c.release();
    }
  }

  async function ingestOnce(items: IngestItem[]): Promise<boolean[]> {
    if (await ingestFast(items)) return items.map(() => true);
    return ingestWithReplays(items);
  }

  /** Merge deltas into aggregates under row locks taken in one global order (see aggregate.ts). */
  async function mergeIntoAggregates(c: PgTypes.PoolClient, deltas: RowDelta[]): Promise<void> {
    const cols = keyCols(deltas);
    await c.query(`INSERT INTO aggregates (${KEY_COLS}, state) SELECT k.*, '{}' FROM ${UNNEST_KEYS} AS k ORDER BY 1, 2, 3, 4, 5, 6 ON CONFLICT DO NOTHING`, cols);
    const locked = await c.query<KeyedRow>(`SELECT ${KEY_COLS}, state FROM aggregates WHERE (${KEY_COLS}) IN (SELECT * FROM ${UNNEST_KEYS}) ORDER BY ${KEY_COLS} FOR UPDATE`, cols);
    const current = new Map(locked.rows.map((r) => [keyString({ ...r, minute: Number(r.minute) }), r.state]));
    const states = deltas.map((d) => {
      const cur = current.get(keyString(d.key));
      const base = cur && cur !== '{}' ? (JSON.parse(cur) as AggState) : emptyState();
      return JSON.stringify(mergeState(base, d.state));
    });
    await c.query(
      `UPDATE aggregates a SET state = v.state FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[]) AS v(${KEY_COLS}, state)
       WHERE (a.app, a.model, a.version, a.backend, a.variant, a.minute) = (v.app, v.model, v.version, v.backend, v.variant, v.minute)`,
      [...cols, states],
    );
  }

  /** Move every committed part into aggregates, in one transaction; one replica at a time. */
  async function rollup(): Promise<number> {
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      const { rows: [lock] } = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [ROLLUP_LOCK]);
      if (!lock!.ok) { await c.query('ROLLBACK'); return 0; }
      const parts = await c.query<KeyedRow>(`DELETE FROM aggregate_parts RETURNING ${KEY_COLS}, state`);
      if (parts.rows.length) await mergeIntoAggregates(c, combineDeltas(parts.rows.map(toDelta)));
      await c.query('COMMIT');
      return parts.rows.length;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      c.release();
    }
  }

  let rolling: Promise<unknown> | null = null;
  const rollupTimer = setInterval(() => {
    // A failed roll-up loses nothing (its transaction rolled back, the parts stay); the next one retries.
    rolling ??= rollup().catch(() => 0).finally(() => { rolling = null; });
  }, rollupMs);
  rollupTimer.unref();

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
      // One statement, so aggregates and parts come from one snapshot (a roll-up moving parts
      // meanwhile is seen either entirely before or entirely after).
      const { rows } = await pool.query<KeyedRow>(
        `SELECT ${KEY_COLS}, state FROM aggregates WHERE ${where.join(' AND ')} AND state <> '{}'
         UNION ALL SELECT ${KEY_COLS}, state FROM aggregate_parts WHERE ${where.join(' AND ')}`, args);
      return combineDeltas(rows.map(toDelta)).map((d) => ({ ...d.key, state: d.state })).sort((x, y) => x.minute - y.minute);
    },
    async models(since) {
      const { rows } = await pool.query<{ app: string; model: string; last_minute: string }>(
        `SELECT app, model, MAX(minute) AS last_minute FROM (SELECT app, model, minute FROM aggregates UNION ALL SELECT app, model, minute FROM aggregate_parts) r
         WHERE minute >= $1 AND model <> '' GROUP BY app, model ORDER BY model, app`, [since]);
      return rows.map((r) => ({ app: r.app, model: r.model, lastMinute: Number(r.last_minute) }));
    },
    async prune(before, batchIdsBefore = before) {
      const a = await pool.query('DELETE FROM aggregates WHERE minute < $1', [before]);
      await pool.query('DELETE FROM aggregate_parts WHERE minute < $1', [before]);
      const b = await pool.query('DELETE FROM batches WHERE received_at < $1', [batchIdsBefore]);
      return { aggregates: a.rowCount ?? 0, batches: b.rowCount ?? 0 };
    },
    async migrations() {
      const { rows } = await pool.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
      return rows.map((r) => r.version);
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(rollupTimer);
      await rolling;
      await pool.end();
    },
  };
}
