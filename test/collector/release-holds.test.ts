// The audit of a waiting release stays short and meaningful on both stores (real SQLite, real
// PostgreSQL): generated runs of evaluations (holds for a few causes, advances, admin pauses and
// resumes) are committed one by one, and the stored records are one per run of identical holds
// (repeats = the run's length, firstAt = its first evaluation, reason and inputs = its latest)
// and one per transition, so ~1,440 holds a day no longer bury the few decisions that matter.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecisionRecord, ReleaseState } from '../../src/collector/releases/state.js';
import { openPostgresStore } from '../../src/collector/store/postgres.js';
import { openSqliteStore } from '../../src/collector/store/sqlite.js';
import type { Store } from '../../src/collector/store/types.js';
import { startPostgres, type TestPostgres } from '../support/postgres.js';

type Step = { kind: 'hold'; cause: string } | { kind: 'advance' } | { kind: 'pause' } | { kind: 'resume' };
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('waiting:errors', 'waiting:errors+latency', 'step-time', 'step-predictions').map((cause) => ({ kind: 'hold' as const, cause })) },
  { weight: 1, arbitrary: fc.constantFrom<Step>({ kind: 'advance' }, { kind: 'pause' }, { kind: 'resume' }) },
);

let release = 0;
/** Commit the steps as the controller would: each decision produces the next rev. */
async function run(store: Store, steps: Step[]): Promise<{ key: Pick<ReleaseState, 'model' | 'channel' | 'candidate'>; sent: DecisionRecord[] }> {
  const key = { model: 'digits', channel: 'stable', candidate: `1.1.${release++}` };
  let st = await store.releases.ensure({ ...key, stable: '1.0.0', status: 'running', step: 0, percent: 1, startedAt: 1000, stepStartedAt: 1000, stepBase: 0, evaluatedAt: 0, rev: 0 });
  const sent: DecisionRecord[] = [];
  for (const [i, s] of steps.entries()) {
    const at = 2000 + i * 60_000;
    const percent = s.kind === 'advance' ? Math.min(st.percent * 2, 99) : st.percent;
    const next: ReleaseState = { ...st, rev: st.rev + 1, evaluatedAt: at, percent };
    const d: DecisionRecord = {
      ...key, rev: next.rev, at, decision: s.kind, actor: s.kind === 'hold' || s.kind === 'advance' ? 'auto' : 'admin',
      fromPercent: st.percent, toPercent: percent, reason: `evaluation ${i}`, cause: s.kind === 'hold' ? s.cause : s.kind,
      repeats: 1, firstAt: at, inputs: { evaluation: i, checks: [{ name: 'errors', status: 'waiting' }] },
    };
    expect(await store.releases.commit(st.rev, next, d)).toBe(true);
    sent.push(d);
    st = next;
  }
  return { key, sent };
}

/** What a person should read: one entry per transition and per run of the same hold. */
function expected(sent: DecisionRecord[]) {
  const out: { decision: string; cause: string; fromPercent: number; repeats: number; firstAt: number; at: number; rev: number; reason: string; inputs: unknown }[] = [];
  for (const d of sent) {
    const last = out[out.length - 1];
    if (last && last.decision === 'hold' && d.decision === 'hold' && last.cause === d.cause && last.fromPercent === d.fromPercent) {
      Object.assign(last, { repeats: last.repeats + 1, at: d.at, rev: d.rev, reason: d.reason, inputs: d.inputs });
    } else {
      out.push({ decision: d.decision, cause: d.cause, fromPercent: d.fromPercent, repeats: 1, firstAt: d.at, at: d.at, rev: d.rev, reason: d.reason, inputs: d.inputs });
    }
  }
  return out.reverse(); // the API lists newest first
}

async function checkStore(store: Store, numRuns: number): Promise<void> {
  await fc.assert(fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 60 }), async (steps) => {
    const { key, sent } = await run(store, steps);
    const stored = (await store.releases.decisions('digits', 1000)).filter((d) => d.candidate === key.candidate);
    expect(stored.map(({ decision, cause, fromPercent, repeats, firstAt, at, rev, reason, inputs }) => ({ decision, cause, fromPercent, repeats, firstAt, at, rev, reason, inputs }))).toEqual(expected(sent));
    // Nothing is lost: every evaluation is counted, and every transition is a record of its own.
    expect(stored.reduce((n, d) => n + d.repeats, 0)).toBe(steps.length);
    expect(stored.filter((d) => d.decision !== 'hold')).toHaveLength(steps.filter((s) => s.kind !== 'hold').length);
  }), { numRuns });
}

describe('consecutive identical holds fold into one record', () => {
  it('on SQLite', async () => {
    const store = openSqliteStore({ file: ':memory:' });
    try {
      await checkStore(store, 60);
      // A day of waiting at the default 60 s interval is one record, not 1,440.
      const day = await run(store, Array.from({ length: 1440 }, () => ({ kind: 'hold', cause: 'waiting:errors' })));
      const stored = (await store.releases.decisions('digits', 1000)).filter((d) => d.candidate === day.key.candidate);
      expect(stored).toHaveLength(1);
      expect(stored[0]).toMatchObject({ repeats: 1440, firstAt: 2000, at: 2000 + 1439 * 60_000, reason: 'evaluation 1439' });
    } finally {
      await store.close();
    }
  });

  describe('on PostgreSQL', () => {
    let pg: TestPostgres;
    let store: Store;
    beforeAll(async () => { pg = await startPostgres(); store = await openPostgresStore({ url: pg.url }); }, 120_000);
    afterAll(async () => { await store?.close(); await pg?.stop(); });
    it('folds the same way', async () => { await checkStore(store, 15); }, 120_000);
  });
});
