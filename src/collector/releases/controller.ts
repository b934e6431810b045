// Drives the releases of one collector replica: every `intervalMs` it evaluates each running
// release (checks -> decide -> compare-and-set commit), and it carries out admin actions.
// Any number of replicas may run this loop against one database: a decision is committed
// only against the rev it was computed from (see state.ts), and a replica skips a release
// another one evaluated less than half an interval ago, so each step is decided once.
import type { Channel } from '../../protocol/manifest-types.js';
import { MINUTE } from '../aggregate.js';
import { CollectorError } from '../errors.js';
import type { ManifestSource } from '../manifest.js';
import type { Store } from '../store/types.js';
import { runChecks, splitSides } from './checks.js';
import { decide } from './decide.js';
import { policyFor, type ReleasePolicy, type ReleasesConfig } from './policy.js';
import type { Decision, DecisionRecord, ReleaseState } from './state.js';

export type AdminAction = 'pause' | 'resume' | 'promote' | 'rollback';
export const ADMIN_ACTIONS: readonly AdminAction[] = ['pause', 'resume', 'promote', 'rollback'];

export interface ManagedChannel { model: string; channel: string; ch: Channel & { candidate: { version: string; percent: number } }; policy: ReleasePolicy }

export interface ReleaseControllerOptions {
  store: Store;
  manifest: ManifestSource;
  config: ReleasesConfig | undefined;
  /** Called once per decision this replica committed. */
  onDecision?: (d: DecisionRecord) => void;
  onError?: (err: unknown) => void;
  now?: () => number;
}

const floorMinute = (t: number) => Math.floor(t / MINUTE) * MINUTE;

export function createReleaseController({ store, manifest, config, onDecision, onError = () => {}, now = Date.now }: ReleaseControllerOptions) {
  /** Channels of the base manifest that carry a candidate, i.e. releases to manage. */
  async function managed(): Promise<ManagedChannel[]> {
    if (!config) return [];
    const m = (await manifest.manifest()).manifest;
    if (!m) return [];
    const out: ManagedChannel[] = [];
    for (const [model, mm] of Object.entries(m.models)) {
      for (const [channel, ch] of Object.entries(mm.channels)) {
        if (ch.candidate && ch.candidate.version !== ch.version && !ch.killSwitch) out.push({ model, channel, ch: ch as ManagedChannel['ch'], policy: policyFor(config, model, channel) });
      }
    }
    return out;
  }

  /** Candidate predictions stored for minutes >= the minute of `t` (the part of a new step's first minute that came before it). */
  async function candidatePredictionsSince(mc: ManagedChannel, t: number): Promise<number> {
    const rows = await store.rows({ model: mc.model, from: floorMinute(t), to: t + MINUTE, version: mc.ch.candidate.version });
    return splitSides(rows, mc.ch.version, mc.ch.candidate.version).candidate.predictions;
  }

  async function current(mc: ManagedChannel): Promise<ReleaseState> {
    const t = now();
    return store.releases.ensure({
      model: mc.model, channel: mc.channel, candidate: mc.ch.candidate.version, stable: mc.ch.version, status: 'running',
      // The first step has no earlier step to subtract: the candidate already served at this
      // percent before the collector took the release over, so what its first minute holds counts.
      step: 0, percent: mc.policy.steps[0]!, startedAt: t, stepStartedAt: t, stepBase: 0, evaluatedAt: 0, rev: 0,
    });
  }

  function record(st: ReleaseState, next: ReleaseState, decision: Decision, actor: DecisionRecord['actor'], reason: string, cause: string, inputs: unknown, at = next.evaluatedAt): DecisionRecord {
    return { model: st.model, channel: st.channel, candidate: st.candidate, rev: next.rev, at, decision, actor, fromPercent: st.percent, toPercent: next.percent, reason, cause, repeats: 1, firstAt: at, inputs };
  }

  let committed = 0;
  async function commit(st: ReleaseState, next: ReleaseState, d: DecisionRecord): Promise<boolean> {
    const ok = await store.releases.commit(st.rev, next, d);
    if (ok) { committed++; onDecision?.(d); }
    return ok;
  }

  /** One automatic evaluation; resolves with the decision this replica committed, if any. */
  async function evaluate(mc: ManagedChannel): Promise<DecisionRecord | null> {
    const st = await current(mc);
    const t = now();
    if (st.status !== 'running' || t - st.evaluatedAt < config!.intervalMs / 2) return null;
    const from = floorMinute(st.stepStartedAt);
    const rows = await store.rows({ model: mc.model, from, to: t + MINUTE });
    const [b1, b2] = await Promise.all([manifest.baseline(mc.model, mc.ch.version), manifest.baseline(mc.model, st.candidate)]);
    const checks = runChecks({ rows, stableVersion: mc.ch.version, candidateVersion: st.candidate, baselines: { stable: b1.baseline, candidate: b2.baseline }, thresholds: mc.policy.checks });
    const stepPredictions = splitSides(rows, mc.ch.version, st.candidate).candidate.predictions - st.stepBase;
    const d = decide({ state: st, policy: mc.policy, checks, stepPredictions, now: t });
    const next: ReleaseState = { ...st, rev: st.rev + 1, evaluatedAt: t, step: d.step, percent: d.percent };
    if (d.decision === 'advance') Object.assign(next, { stepStartedAt: t, stepBase: await candidatePredictionsSince(mc, t) });
    if (d.decision === 'promote') next.status = 'promoted';
    if (d.decision === 'rollback') next.status = 'rolled_back';
    const rec = record(st, next, d.decision, 'auto', d.reason, d.cause, { window: { from, to: t }, stepPredictions, stableVersion: mc.ch.version, checks });
    return (await commit(st, next, rec)) ? rec : null;
  }

  let ticking: Promise<DecisionRecord[]> | null = null;
  /** Evaluate every managed release once (one pass at a time per replica). */
  function tick(): Promise<DecisionRecord[]> {
    ticking ??= (async () => {
      const out: DecisionRecord[] = [];
      for (const mc of await managed()) {
        try {
          const d = await evaluate(mc);
          if (d) out.push(d);
        } catch (err) {
          onError(err); // one broken release must not stop the others
        }
      }
      return out;
    })().finally(() => { ticking = null; });
    return ticking;
  }

  const ALLOWED: Record<AdminAction, ReleaseState['status'][]> = {
    pause: ['running'], resume: ['paused', 'rolled_back'], promote: ['running', 'paused'], rollback: ['running', 'paused', 'promoted'],
  };

  /** An admin action on the channel's current release; 404 when the channel has no candidate, 409 when the state does not allow it. */
  async function act(model: string, channel: string, action: AdminAction, reason = ''): Promise<{ state: ReleaseState; decision: DecisionRecord }> {
    if (!config) throw new CollectorError('NOT_FOUND', 404, 'releases are not configured: add a "releases" section to the collector config');
    const mc = (await managed()).find((m) => m.model === model && m.channel === channel);
    if (!mc) throw new CollectorError('NOT_FOUND', 404, `no release for ${model.slice(0, 64)}/${channel.slice(0, 64)}: the base manifest must give that channel a candidate (and no kill switch)`);
    for (let attempt = 0; attempt < 5; attempt++) {
      const st = await current(mc);
      if (!ALLOWED[action].includes(st.status)) {
        throw new CollectorError('CONFLICT', 409, `cannot ${action} ${model}/${channel} ${st.candidate}: the release is ${st.status} (${action} needs ${ALLOWED[action].join(' or ')})`);
      }
      const t = now();
      const next: ReleaseState = { ...st, rev: st.rev + 1, evaluatedAt: t };
      if (action === 'pause') next.status = 'paused';
      if (action === 'promote') Object.assign(next, { status: 'promoted', percent: 100 });
      if (action === 'rollback') Object.assign(next, { status: 'rolled_back', percent: 0 });
      if (action === 'resume') {
        next.status = 'running';
        next.evaluatedAt = 0;
        // After a rollback the release starts over at its first step.
        if (st.status === 'rolled_back') Object.assign(next, { step: 0, percent: mc.policy.steps[0]!, stepStartedAt: t, stepBase: await candidatePredictionsSince(mc, t) });
      }
      const rec = record(st, next, action, 'admin', reason || `${action} by admin`, action, { previousStatus: st.status }, t);
      if (await commit(st, next, rec)) return { state: next, decision: rec };
    }
    throw new CollectorError('CONFLICT', 409, `the release ${model}/${channel} kept changing while ${action} was applied; try again`);
  }

  let timer: ReturnType<typeof setInterval> | null = null;
  return {
    managed, tick, act,
    /** Decisions this replica committed so far (lets caches of the live manifest drop at once). */
    committed: () => committed,
    /** Start the evaluation loop (no-op without a releases config). */
    start() {
      if (!config || timer) return;
      timer = setInterval(() => { void tick().catch(onError); }, config.intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await ticking?.catch(() => {});
    },
  };
}

export type ReleaseController = ReturnType<typeof createReleaseController>;
