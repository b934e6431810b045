// SQLite store (the zero-set-up default). One process writes; WAL lets reports read
// while ingest writes. synchronous=NORMAL in WAL mode keeps every committed
// transaction across a process crash or kill (only an OS crash / power cut can
// lose the last commits: https://www.sqlite.org/pragma.html#pragma_synchronous);
// pass `synchronous: 'FULL'` to cover that too.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { combineDeltas, emptyState, mergeState, type AggState } from '../aggregate.js';
import { MIGRATIONS, MIGRATIONS_TABLE } from './migrations.js';
import { sqliteReleaseStore } from '../releases/store-sqlite.js';
import type { IngestItem, RowQuery, Store, StoredRow } from './types.js';

export interface SqliteStoreOptions {
  file: string;
  synchronous?: 'NORMAL' | 'FULL';
}

export function openSqliteStore({ file, synchronous = 'NORMAL' }: SqliteStoreOptions): Store {
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

  const ingestTx = db.transaction((items: IngestItem[]): boolean[] => {
    const fresh = items.map((it) => insertBatch.run(it.app, it.batchId, it.receivedAt).changes === 1);
    const deltas = combineDeltas(items.filter((_, i) => fresh[i]).flatMap((it) => it.deltas));
    for (const { key: k, state } of deltas) {
      const cur = selectRow.get(k.app, k.model, k.version, k.backend, k.variant, k.minute) as { state: string } | undefined;
      if (cur) updateRow.run(JSON.stringify(mergeState(JSON.parse(cur.state) as AggState, state)), k.app, k.model, k.version, k.backend, k.variant, k.minute);
      else insertRow.run(k.app, k.model, k.version, k.backend, k.variant, k.minute, JSON.stringify(mergeState(emptyState(), state)));
    }
    return fresh;
  });

  let closed = false;
  return {
    kind: 'sqlite',
    releases: sqliteReleaseStore(db),
    async ingest(items) { return ingestTx(items); },
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
    async prune(before) {
      return db.transaction(() => ({
        aggregates: db.prepare('DELETE FROM aggregates WHERE minute < ?').run(before).changes,
        batches: db.prepare('DELETE FROM batches WHERE received_at < ?').run(before).changes,
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
