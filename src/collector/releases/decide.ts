// The decision rule of one evaluation, pure so it can be tested on generated data:
//   any check failed                      -> rollback (kill switch), at any time in a step;
//   a required check waiting              -> hold;
//   step younger than minStepMs, or fewer
//   than minPredictions candidate predictions in it -> hold;
//   otherwise                             -> advance to the next step, or promote when the
//                                            next step is 100 % (at 100 % no stable traffic is
//                                            left to compare against, so that step is the promotion).
import type { CheckResult } from './checks.js';
import type { ReleasePolicy } from './policy.js';
import type { Decision, ReleaseState } from './state.js';

export interface DecideInput {
  state: ReleaseState;
  policy: ReleasePolicy;
  checks: CheckResult[];
  /** Candidate predictions counted since the step began. */
  stepPredictions: number;
  now: number;
}

export interface DecideResult {
  decision: Extract<Decision, 'hold' | 'advance' | 'promote' | 'rollback'>;
  reason: string;
  /**
   * What decided, as a short code for people and for folding repeated holds (state.ts):
   * "failed:<checks>", "waiting:<checks>" (check names joined by "+"), "step-time",
   * "step-predictions", or "passed".
   */
  cause: string;
  step: number;
  percent: number;
}

const names = (cs: CheckResult[]) => cs.map((c) => c.name).join('+');

export function decide({ state, policy, checks, stepPredictions, now }: DecideInput): DecideResult {
  const stay = { step: state.step, percent: state.percent };
  const failed = checks.filter((c) => c.status === 'fail');
  if (failed.length) return { decision: 'rollback', reason: `failed: ${failed.map((c) => c.detail).join('; ')}`, cause: `failed:${names(failed)}`, step: state.step, percent: 0 };
  const waiting = checks.filter((c) => c.status === 'waiting' && c.required);
  if (waiting.length) return { decision: 'hold', reason: waiting.map((c) => c.detail).join('; '), cause: `waiting:${names(waiting)}`, ...stay };
  const age = now - state.stepStartedAt;
  if (age < policy.minStepMs) return { decision: 'hold', reason: `step at ${state.percent}% needs ${Math.ceil(policy.minStepMs / 1000)} s, has run ${Math.floor(age / 1000)} s`, cause: 'step-time', ...stay };
  if (stepPredictions < policy.minPredictions) return { decision: 'hold', reason: `step at ${state.percent}% needs ${policy.minPredictions} candidate predictions, has ${Math.floor(stepPredictions)}`, cause: 'step-predictions', ...stay };
  const next = Math.min(state.step + 1, policy.steps.length - 1);
  const percent = policy.steps[next] ?? 100;
  if (percent >= 100) return { decision: 'promote', reason: `all checks passed at ${state.percent}%: candidate becomes the channel's version`, cause: 'passed', step: next, percent: 100 };
  return { decision: 'advance', reason: `all checks passed at ${state.percent}%`, cause: 'passed', step: next, percent };
}
