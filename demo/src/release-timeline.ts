// How the demo page names a release decision for people: waiting (a required check lacks data),
// hold (the step's minimum time or traffic is not reached), advance, promote, rollback, or an
// admin action, each with the check or rule that decided it (the collector's `cause` code,
// src/collector/releases/decide.ts).

export interface ReleaseDecisionView {
  channel: string;
  at: number;
  firstAt: number;
  repeats: number;
  decision: string;
  actor: 'auto' | 'admin';
  fromPercent: number;
  toPercent: number;
  reason: string;
  cause: string;
}

const checks = (list: string) => list.split('+').join(', ');

/** @example timelineEntry({ decision: 'hold', cause: 'waiting:errors+latency', … }) // { kind: 'waiting', check: 'errors, latency' } */
export function timelineEntry(d: Pick<ReleaseDecisionView, 'decision' | 'actor' | 'cause'>): { kind: string; check: string } {
  if (d.actor === 'admin') return { kind: d.decision, check: 'admin' };
  const [what, list = ''] = d.cause.split(/:(.*)/s);
  if (d.decision === 'hold' && what === 'waiting') return { kind: 'waiting', check: checks(list) };
  if (d.decision === 'hold') return { kind: 'hold', check: what === 'step-time' ? 'minimum step time' : what === 'step-predictions' ? 'minimum candidate predictions' : d.cause };
  if (d.decision === 'rollback') return { kind: 'rollback', check: what === 'failed' ? `${checks(list)} failed` : d.cause };
  return { kind: d.decision, check: what === 'passed' ? 'all checks passed' : d.cause };
}
