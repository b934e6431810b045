// Storage contract shared by the SQLite and PostgreSQL stores.
import type { AggState, RowDelta, RowKey } from '../aggregate.js';
import type { ReleaseStore } from '../releases/state.js';

export interface IngestItem {
  app: string;
  batchId: string;
  receivedAt: number;
  deltas: RowDelta[];
}

export interface RowQuery {
  model: string;
  from: number;
  to: number;
  version?: string;
  backend?: string;
  app?: string;
}

export interface StoredRow extends RowKey { state: AggState }

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Release state and decisions (releases/), in the same database. */
  readonly releases: ReleaseStore;
  /**
   * Record the batches and merge the deltas of the new ones, all in one transaction.
   * Resolves, once durable, with one flag per item: true = counted now, false = a replay
   * (its batch id was already counted for that app).
   */
  ingest(items: IngestItem[]): Promise<boolean[]>;
  /** Rows of one model in [from, to), page-level rows (version '') always included. */
  rows(q: RowQuery): Promise<StoredRow[]>;
  /** Models seen since `since`, with the last minute they were seen. */
  models(since: number): Promise<{ app: string; model: string; lastMinute: number }[]>;
  /**
   * Delete aggregates older than `before` (ms) and remembered batch ids received before
   * `batchIdsBefore` (default `before`): the ids only guard against replays, so they are kept
   * for their own, shorter window (config dedupeDays).
   */
  prune(before: number, batchIdsBefore?: number): Promise<{ aggregates: number; batches: number }>;
  /** Applied migration versions, ascending. */
  migrations(): Promise<number[]>;
  close(): Promise<void>;
}

/** Thrown by stores on a transient conflict; the writer retries the group. */
export const RETRYABLE_PG_CODES = new Set(['40P01', '40001']);
