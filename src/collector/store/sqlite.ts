// SQLite store (the zero-set-up default). One process writes; WAL lets reports read
// while ingest writes. synchronous=NORMAL in WAL mode keeps every committed
// transaction across a process crash or kill (only an OS crash / power cut can
// lose the last commits: https://www.sqlite.org/pragma.html#pragma_synchronous);
// pass `synchronous: 'FULL'` to cover that too.
// Rows of recent minutes stay parsed in memory (bounded, see RowCache): a group merges its
// batches' deltas straight into them and writes each touched row once, instead of reading
// and JSON-parsing every row again per group and copying the deltas to combine them.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { emptyState, keyString, mergeState, type AggState, type RowKey } from '../aggregate.js';
import { MIGRATIONS, MIGRATIONS_TABLE } from './migrations.js';
import { sqliteReleaseStore } from '../releases/store-sqlite.js';
import type { IngestItem, RowQuery, Store, StoredRow } from './types.js';

export interface SqliteStoreOptions {
  file: string;
  synchronous?: 'NORMAL' | 'FULL';
  /** Most aggregate rows kept parsed in memory (the least recently written go first). */
  cachedRows?: number;
}

interface CachedRow { state: AggState; stored: boolean }

export function openSqliteStore({ file, synchronous = 'NORMAL', cachedRows = 1024 }: SqliteStoreOptions): Store {
  // better-sqlite3 is an optional dependency (native); load it only when SQLite is chosen.
  const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma('busy_timeout = 5000');
  db.exec(MIGRATIONS_TABLE);
  const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
  for (const m of MIGRATIONS) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
    })();
  }

  const insertBatch = db.prepare('INSERT INTO batches (app, batch_id, received_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
  const selectRow = db.prepare('SELECT state FROM aggregates WHERE app = ? AND model = ? AND version = ? AND backend = ? AND variant = ? AND minute = ?');
  const insertRow = db.prepare('INSERT INTO aggregates (app, model, version, backend, variant, minute, state) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const updateRow = db.prepare('UPDATE aggregates SET state = ? WHERE app = ? AND model = ? AND version = ? AND backend = ? AND variant = ? AND minute = ?');

  // The cache is only right while this connection is the file's only writer: PRAGMA
  // data_version changes exactly when another connection committed
  // (https://www.sqlite.org/pragma.html#pragma_data_version), and then the cache is dropped.
  // The transaction is IMMEDIATE, so nobody can commit between that check and our writes.
  // A failed transaction drops the cache too (its rows were merged into before the rollback).
  const dataVersion = db.prepare('PRAGMA data_version').pluck();
  const cache = new Map<string, CachedRow>();
  let cacheVersion: unknown = null;

  function cachedRow(k: RowKey, ks: string): CachedRow {
    let row = cache.get(ks);
    if (row) {
      cache.delete(ks); // re-inserted below: Map order is least recently written first
    } else {
      const cur = selectRow.get(k.app, k.model, k.version, k.backend, k.variant, k.minute) as { state: string } | undefined;
      row = { state: cur ? (JSON.parse(cur.state) as AggState) : emptyState(), stored: cur !== undefined };
    }
    cache.set(ks, row);
    return row;
  }

  const ingestTx = db.transaction((items: IngestItem[]): boolean[] => {
    const version = dataVersion.get();
    if (version !== cacheVersion) { cache.clear(); cacheVersion = version; }
    const fresh = items.map((it) => insertBatch.run(it.app, it.batchId, it.receivedAt).changes === 1);
    // Merging never mutates a delta (aggregate.ts), so deltas go straight into the rows.
    const touched = new Map<string, { key: RowKey; row: CachedRow }>();
    items.forEach((it, i) => {
      if (!fresh[i]) return;
      for (const d of it.deltas) {
        const ks = keyString(d.key);
        let t = touched.get(ks);
        if (!t) touched.set(ks, (t = { key: d.key, row: cachedRow(d.key, ks) }));
        mergeState(t.row.state, d.state);
      }
    });
    for (const { key: k, row } of touched.values()) {
      const json = JSON.stringify(row.state);
      if (row.stored) updateRow.run(json, k.app, k.model, k.version, k.backend, k.variant, k.minute);
      else insertRow.run(k.app, k.model, k.version, k.backend, k.variant, k.minute, json);
      row.stored = true;
    }
    for (const ks of cache.keys()) { if (cache.size <= cachedRows) break; cache.delete(ks); }
    return fresh;
  });

  function ingest(items: IngestItem[]): boolean[] {
    try {
      return ingestTx.immediate(items);
    } catch (err) {
      cache.clear();
      throw err;
    }
  }

  let closed = false;
  return {
    kind: 'sqlite',
    releases: sqliteReleaseStore(db),
    async ingest(items) { return ingest(items); },
    async rows({ model, from, to, version, backend, app }: RowQuery): Promise<StoredRow[]> {
      const where = ['model = ?', 'minute >= ?', 'minute < ?'];
      const args: (string | number)[] = [model, from, to];
      if (version !== undefined) { where.push("(version = ? OR version = '')"); args.push(version); }
      if (backend !== undefined) { where.push("(backend = ? OR version = '')"); args.push(backend); }
      if (app !== undefined) { where.push('app = ?'); args.push(app); }
      const rows = db.prepare(`SELECT app, model, version, backend, variant, minute, state FROM aggregates WHERE ${where.join(' AND ')} ORDER BY minute`).all(...args) as (Omit<StoredRow, 'state'> & { state: string; minute: number })[];
      return rows.map((r) => ({ ...r, minute: Number(r.minute), state: JSON.parse(r.state) as AggState }));
    },
    async models(since) {
      return db.prepare("SELECT app, model, MAX(minute) AS lastMinute FROM aggregates WHERE minute >= ? AND model <> '' GROUP BY app, model ORDER BY model, app").all(since) as { app: string; model: string; lastMinute: number }[];
    },
    async prune(before, batchIdsBefore = before) {
      cache.clear(); // rows it deletes must not come back from memory
      return db.transaction(() => ({
        aggregates: db.prepare('DELETE FROM aggregates WHERE minute < ?').run(before).changes,
        batches: db.prepare('DELETE FROM batches WHERE received_at < ?').run(batchIdsBefore).changes,
      }))();
    },
    async migrations() {
      return (db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[]).map((r) => r.version);
    },
    async close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}
