// Versioned schema. A migration is never edited once shipped; add a new one.
// Timestamps are ms since epoch in BIGINT so both databases agree.
import { RELEASE_HOLDS_MIGRATION, RELEASES_MIGRATION } from '../releases/state.js';

export interface Migration { version: number; name: string; sql: string }

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'batches and minute aggregates',
    sql: `
      CREATE TABLE batches (
        app TEXT NOT NULL,
        batch_id TEXT NOT NULL,
        received_at BIGINT NOT NULL,
        PRIMARY KEY (app, batch_id)
      );
      CREATE INDEX batches_received_at ON batches (received_at);
      CREATE TABLE aggregates (
        app TEXT NOT NULL,
        model TEXT NOT NULL,
        version TEXT NOT NULL,
        backend TEXT NOT NULL,
        variant TEXT NOT NULL,
        minute BIGINT NOT NULL,
        state TEXT NOT NULL,
        PRIMARY KEY (app, model, version, backend, variant, minute)
      );
      CREATE INDEX aggregates_model_minute ON aggregates (model, minute);
      CREATE INDEX aggregates_minute ON aggregates (minute);
    `,
  },
  RELEASES_MIGRATION,
  {
    version: 3,
    name: 'insert-only partial aggregates',
    // PostgreSQL replicas append each group's combined deltas here (no row locks, no read of
    // the current state) and roll them up into aggregates in the background; readers add
    // both. SQLite has one writer and merges in place, so there it stays empty.
    sql: `
      CREATE TABLE aggregate_parts (
        app TEXT NOT NULL,
        model TEXT NOT NULL,
        version TEXT NOT NULL,
        backend TEXT NOT NULL,
        variant TEXT NOT NULL,
        minute BIGINT NOT NULL,
        state TEXT NOT NULL
      );
      CREATE INDEX aggregate_parts_model_minute ON aggregate_parts (model, minute);
    `,
  },
  RELEASE_HOLDS_MIGRATION,
];

export const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`;
