// Release state on SQLite. One process writes a SQLite file, so the transaction (BEGIN
// IMMEDIATE under better-sqlite3) is the lock; the rev comparison still guards against a
// second process opening the same file.
import type BetterSqlite3 from 'better-sqlite3';
import { DECISION_COLS, STATE_COLS, decisionFromRow, decisionValues, foldValues, foldsInto, stateFromRow, stateValues, type DecisionRecord, type ReleaseState, type ReleaseStore } from './state.js';

export function sqliteReleaseStore(db: BetterSqlite3.Database): ReleaseStore {
  const marks = (n: number) => new Array(n).fill('?').join(', ');
  const insert = db.prepare(`INSERT INTO releases (${STATE_COLS.join(', ')}) VALUES (${marks(STATE_COLS.length)}) ON CONFLICT DO NOTHING`);
  const select = db.prepare('SELECT * FROM releases WHERE model = ? AND channel = ? AND candidate = ?');
  const update = db.prepare(`UPDATE releases SET ${STATE_COLS.slice(3).map((c) => `${c} = ?`).join(', ')} WHERE model = ? AND channel = ? AND candidate = ? AND rev = ?`);
  const insertDecision = db.prepare(`INSERT INTO release_decisions (${DECISION_COLS.join(', ')}) VALUES (${marks(DECISION_COLS.length)})`);
  const latestDecision = db.prepare('SELECT * FROM release_decisions WHERE model = ? AND channel = ? AND candidate = ? ORDER BY rev DESC LIMIT 1');
  const fold = db.prepare('UPDATE release_decisions SET rev = ?, at = ?, reason = ?, inputs = ?, repeats = repeats + 1 WHERE model = ? AND channel = ? AND candidate = ? AND rev = ?');
  const commitTx = db.transaction((prevRev: number, next: ReleaseState, decision: DecisionRecord | null): boolean => {
    const v = stateValues(next);
    if (update.run(...v.slice(3), next.model, next.channel, next.candidate, prevRev).changes !== 1) return false;
    if (!decision) return true;
    const row = decision.decision === 'hold' ? latestDecision.get(decision.model, decision.channel, decision.candidate) as Record<string, unknown> | undefined : undefined;
    const latest = row ? decisionFromRow(row) : undefined;
    if (latest && foldsInto(latest, decision)) fold.run(...foldValues(decision), decision.model, decision.channel, decision.candidate, latest.rev);
    else insertDecision.run(...decisionValues(decision));
    return true;
  });
  return {
    async states() {
      return (db.prepare('SELECT * FROM releases ORDER BY model, channel, started_at').all() as Record<string, unknown>[]).map(stateFromRow);
    },
    async ensure(initial) {
      insert.run(...stateValues(initial));
      return stateFromRow(select.get(initial.model, initial.channel, initial.candidate) as Record<string, unknown>);
    },
    async commit(prevRev, next, decision) {
      return commitTx.immediate(prevRev, next, decision);
    },
    async decisions(model, limit) {
      return (db.prepare('SELECT * FROM release_decisions WHERE model = ? ORDER BY at DESC, rev DESC LIMIT ?').all(model, limit) as Record<string, unknown>[]).map(decisionFromRow);
    },
  };
}
