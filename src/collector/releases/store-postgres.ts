// Release state on PostgreSQL, shared by every collector replica. A decision commits in one
// transaction that locks the release row (SELECT ... FOR UPDATE), compares its rev with the
// rev the decision was computed from, and only then writes the row and the audit record. Two
// replicas evaluating the same step at once therefore produce one decision: the second one
// waits for the lock, sees the new rev, and writes nothing.
import type PgTypes from 'pg';
import { DECISION_COLS, STATE_COLS, decisionFromRow, decisionValues, foldValues, foldsInto, stateFromRow, stateValues, type ReleaseStore } from './state.js';

export function postgresReleaseStore(pool: PgTypes.Pool): ReleaseStore {
  const marks = (n: number, from = 1) => Array.from({ length: n }, (_, i) => `$${i + from}`).join(', ');
  const KEY = 'model = $1 AND channel = $2 AND candidate = $3';
  return {
    async states() {
      const { rows } = await pool.query('SELECT * FROM releases ORDER BY model, channel, started_at');
      return rows.map(stateFromRow);
    },
    async ensure(initial) {
      await pool.query(`INSERT INTO releases (${STATE_COLS.join(', ')}) VALUES (${marks(STATE_COLS.length)}) ON CONFLICT DO NOTHING`, stateValues(initial));
      const { rows } = await pool.query(`SELECT * FROM releases WHERE ${KEY}`, [initial.model, initial.channel, initial.candidate]);
      return stateFromRow(rows[0]);
    },
    async commit(prevRev, next, decision) {
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        const { rows } = await c.query<{ rev: number }>(`SELECT rev FROM releases WHERE ${KEY} FOR UPDATE`, [next.model, next.channel, next.candidate]);
        if (rows[0]?.rev !== prevRev) { await c.query('ROLLBACK'); return false; }
        const v = stateValues(next);
        const sets = STATE_COLS.slice(3).map((col, i) => `${col} = $${i + 4}`).join(', ');
        await c.query(`UPDATE releases SET ${sets} WHERE ${KEY}`, v);
        if (decision) {
          // Under the row lock no other replica writes this release's records, so the latest is stable.
          const latest = decision.decision === 'hold'
            ? (await c.query(`SELECT * FROM release_decisions WHERE ${KEY} ORDER BY rev DESC LIMIT 1`, [next.model, next.channel, next.candidate])).rows.map(decisionFromRow)[0]
            : undefined;
          if (latest && foldsInto(latest, decision)) {
            await c.query(`UPDATE release_decisions SET rev = $4, at = $5, reason = $6, inputs = $7, repeats = repeats + 1 WHERE ${KEY} AND rev = $8`, [next.model, next.channel, next.candidate, ...foldValues(decision), latest.rev]);
          } else {
            await c.query(`INSERT INTO release_decisions (${DECISION_COLS.join(', ')}) VALUES (${marks(DECISION_COLS.length)})`, decisionValues(decision));
          }
        }
        await c.query('COMMIT');
        return true;
      } catch (err) {
        await c.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        c.release();
      }
    },
    async decisions(model, limit) {
      const { rows } = await pool.query('SELECT * FROM release_decisions WHERE model = $1 ORDER BY at DESC, rev DESC LIMIT $2', [model, limit]);
      return rows.map(decisionFromRow);
    },
  };
}
