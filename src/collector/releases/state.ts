// Release state as stored in the collector's database (one row per model, channel and
// candidate version) and the audit record of each decision. The row's `rev` is the
// compare-and-set token: a decision is written only if the row still has the rev it was
// computed from, so replicas evaluating the same release at once take one decision once.

export type ReleaseStatus = 'running' | 'paused' | 'promoted' | 'rolled_back';
export type Decision = 'hold' | 'advance' | 'promote' | 'rollback' | 'start' | 'pause' | 'resume';

export interface ReleaseState {
  model: string;
  channel: string;
  candidate: string;
  /** Stable version of the channel when the release started. */
  stable: string;
  status: ReleaseStatus;
  /** Index into the policy's steps. */
  step: number;
  /** Candidate percent served now. */
  percent: number;
  startedAt: number;
  stepStartedAt: number;
  /** Candidate predictions already in the step's first minute when the step began. */
  stepBase: number;
  evaluatedAt: number;
  rev: number;
}

export interface DecisionRecord {
  model: string;
  channel: string;
  candidate: string;
  /** The rev this decision produced. */
  rev: number;
  at: number;
  decision: Decision;
  actor: 'auto' | 'admin';
  fromPercent: number;
  toPercent: number;
  reason: string;
  /** What decided (decide.ts DecideResult.cause; an admin action's name for admin decisions). */
  cause: string;
  /** Evaluations this record stands for: consecutive identical holds fold into one (see foldsInto). */
  repeats: number;
  /** When the first of those evaluations happened (`at` is the latest). */
  firstAt: number;
  /** Checks and counts the decision was based on (of the latest evaluation when folded). */
  inputs: unknown;
}

/**
 * A release that waits holds once per interval (about 1,440 records a day per release at the
 * default 60 s), which would bury its few transitions and grow the audit table without end. So a
 * hold that repeats the release's latest record (a hold by the same actor, at the same percent,
 * for the same cause) replaces it: `repeats` counts the evaluations, `firstAt` keeps when the
 * wait began, and reason, inputs, rev and `at` are the latest ones. Every transition (advance,
 * promote, rollback, admin actions) and every change of what the release waits for stays a
 * record of its own.
 */
export function foldsInto(latest: DecisionRecord | undefined, d: DecisionRecord): boolean {
  return !!latest && latest.decision === 'hold' && d.decision === 'hold' && latest.actor === d.actor
    && latest.fromPercent === d.fromPercent && latest.toPercent === d.toPercent && latest.cause === d.cause;
}

export interface ReleaseStore {
  /** Every release row (a handful per model). */
  states(): Promise<ReleaseState[]>;
  /** Insert `initial` unless a row for its key exists; resolves with the stored row. */
  ensure(initial: ReleaseState): Promise<ReleaseState>;
  /**
   * In one transaction, with the row locked: write `next` (its rev must be prevRev + 1) and
   * `decision`, only if the stored rev is still `prevRev`. Resolves true when written. A hold
   * that `foldsInto` the release's latest record updates that record instead of adding one.
   */
  commit(prevRev: number, next: ReleaseState, decision: DecisionRecord | null): Promise<boolean>;
  /** Newest first. */
  decisions(model: string, limit: number): Promise<DecisionRecord[]>;
}

export const RELEASES_MIGRATION = {
  version: 2,
  name: 'release state and decisions',
  sql: `
    CREATE TABLE releases (
      model TEXT NOT NULL,
      channel TEXT NOT NULL,
      candidate TEXT NOT NULL,
      stable TEXT NOT NULL,
      status TEXT NOT NULL,
      step INTEGER NOT NULL,
      percent DOUBLE PRECISION NOT NULL,
      started_at BIGINT NOT NULL,
      step_started_at BIGINT NOT NULL,
      step_base DOUBLE PRECISION NOT NULL,
      evaluated_at BIGINT NOT NULL,
      rev INTEGER NOT NULL,
      PRIMARY KEY (model, channel, candidate)
    );
    CREATE TABLE release_decisions (
      model TEXT NOT NULL,
      channel TEXT NOT NULL,
      candidate TEXT NOT NULL,
      rev INTEGER NOT NULL,
      at BIGINT NOT NULL,
      decision TEXT NOT NULL,
      actor TEXT NOT NULL,
      from_percent DOUBLE PRECISION NOT NULL,
      to_percent DOUBLE PRECISION NOT NULL,
      reason TEXT NOT NULL,
      inputs TEXT NOT NULL,
      PRIMARY KEY (model, channel, candidate, rev)
    );
    CREATE INDEX release_decisions_model_at ON release_decisions (model, at);
  `,
};

/** Folded holds (foldsInto): what decided, how many evaluations a record stands for, since when. */
export const RELEASE_HOLDS_MIGRATION = {
  version: 4,
  name: 'folded release holds',
  sql: `
    ALTER TABLE release_decisions ADD COLUMN cause TEXT NOT NULL DEFAULT '';
    ALTER TABLE release_decisions ADD COLUMN repeats INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE release_decisions ADD COLUMN first_at BIGINT NOT NULL DEFAULT 0;
  `,
};

type Row = Record<string, unknown>;

export function stateFromRow(r: Row): ReleaseState {
  return {
    model: String(r.model), channel: String(r.channel), candidate: String(r.candidate), stable: String(r.stable),
    status: r.status as ReleaseStatus, step: Number(r.step), percent: Number(r.percent), startedAt: Number(r.started_at),
    stepStartedAt: Number(r.step_started_at), stepBase: Number(r.step_base), evaluatedAt: Number(r.evaluated_at), rev: Number(r.rev),
  };
}

export function decisionFromRow(r: Row): DecisionRecord {
  return {
    model: String(r.model), channel: String(r.channel), candidate: String(r.candidate), rev: Number(r.rev), at: Number(r.at),
    decision: r.decision as Decision, actor: r.actor as 'auto' | 'admin', fromPercent: Number(r.from_percent), toPercent: Number(r.to_percent),
    reason: String(r.reason), cause: String(r.cause ?? ''), repeats: Number(r.repeats ?? 1), firstAt: Number(r.first_at) || Number(r.at),
    inputs: JSON.parse(String(r.inputs)) as unknown,
  };
}

/** Column order shared by both stores' INSERT/UPDATE statements. */
export const STATE_COLS = ['model', 'channel', 'candidate', 'stable', 'status', 'step', 'percent', 'started_at', 'step_started_at', 'step_base', 'evaluated_at', 'rev'] as const;
export const stateValues = (s: ReleaseState) => [s.model, s.channel, s.candidate, s.stable, s.status, s.step, s.percent, s.startedAt, s.stepStartedAt, s.stepBase, s.evaluatedAt, s.rev];
export const DECISION_COLS = ['model', 'channel', 'candidate', 'rev', 'at', 'decision', 'actor', 'from_percent', 'to_percent', 'reason', 'inputs', 'cause', 'repeats', 'first_at'] as const;
export const decisionValues = (d: DecisionRecord) => [d.model, d.channel, d.candidate, d.rev, d.at, d.decision, d.actor, d.fromPercent, d.toPercent, d.reason, JSON.stringify(d.inputs), d.cause, d.repeats, d.firstAt];
/** SET clause values of a fold: the latest evaluation's rev, time, reason and inputs, one more repeat. */
export const foldValues = (d: DecisionRecord) => [d.rev, d.at, d.reason, JSON.stringify(d.inputs)];
