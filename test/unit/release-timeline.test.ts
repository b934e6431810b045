// The demo page's timeline names each decision the collector takes (waiting, hold, advance,
// promote, rollback, admin actions) with the check or rule that decided it. Decisions come from
// the collector's own decide() on generated checks, so renaming a cause code breaks this test
// rather than the page.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/collector/releases/checks.js';
import { decide } from '../../src/collector/releases/decide.js';
import { DEFAULT_POLICY } from '../../src/collector/releases/policy.js';
import type { ReleaseState } from '../../src/collector/releases/state.js';
import { timelineEntry } from '../../demo/src/release-timeline.js';

const NAMES = ['errors', 'loads', 'latency', 'accuracy', 'shift', 'drift'] as const;
const check = fc.record({ name: fc.constantFrom(...NAMES), status: fc.constantFrom('pass', 'fail', 'waiting' as const), required: fc.boolean(), detail: fc.string(), values: fc.constant({}) }) as fc.Arbitrary<CheckResult>;
const state: ReleaseState = { model: 'digits', channel: 'stable', candidate: '1.1.0', stable: '1.0.0', status: 'running', step: 0, percent: 1, startedAt: 0, stepStartedAt: 0, stepBase: 0, evaluatedAt: 0, rev: 1 };

describe('release timeline entries', () => {
  it('say waiting with the checks that lack data, hold with the step rule, rollback with the failed checks', () => {
    fc.assert(fc.property(fc.array(check, { maxLength: 8 }), fc.nat({ max: 2000 }), fc.nat({ max: 1_200_000 }), (checks, preds, age) => {
      const d = decide({ state, policy: DEFAULT_POLICY, checks, stepPredictions: preds, now: age });
      const e = timelineEntry({ decision: d.decision, actor: 'auto', cause: d.cause });
      const names = (s: CheckResult['status'], required?: boolean) => checks.filter((c) => c.status === s && (required === undefined || c.required === required)).map((c) => c.name).join(', ');
      if (d.decision === 'rollback') expect(e).toEqual({ kind: 'rollback', check: `${names('fail')} failed` });
      else if (checks.some((c) => c.status === 'waiting' && c.required)) expect(e).toEqual({ kind: 'waiting', check: names('waiting', true) });
      else if (d.decision === 'hold') expect(e).toEqual({ kind: 'hold', check: age < DEFAULT_POLICY.minStepMs ? 'minimum step time' : 'minimum candidate predictions' });
      else expect(e).toEqual({ kind: d.decision, check: 'all checks passed' });
    }), { numRuns: 500 });
  });

  it('names admin actions as such, and shows an unknown cause as it came', () => {
    for (const a of ['start', 'pause', 'resume', 'promote', 'rollback']) expect(timelineEntry({ decision: a, actor: 'admin', cause: a })).toEqual({ kind: a, check: 'admin' });
    fc.assert(fc.property(fc.string(), (cause) => {
      const e = timelineEntry({ decision: 'hold', actor: 'auto', cause });
      expect(['waiting', 'hold']).toContain(e.kind);
    }));
  });
});
