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

export type AdminAction = 'start' | 'pause' | 'resume' | 'promote' | 'rollback';
export const ADMIN_ACTIONS: readonly AdminAction[] = ['start', 'pause', 'resume', 'promote', 'rollback'];

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

  /** The stored release of the channel's current candidate, if any. */
  async function stored(mc: ManagedChannel): Promise<ReleaseState | undefined> {
    return (await store.releases.states()).find((s) => s.model === mc.model && s.channel === mc.channel && s.candidate === mc.ch.candidate.version);
  }

  /** Store the release's first state unless one exists; resolves with the stored row. */
  function begin(mc: ManagedChannel, t: number, stepBase: number): Promise<ReleaseState> {
    return store.releases.ensure({
      model: mc.model, channel: mc.channel, candidate: mc.ch.candidate.version, stable: mc.ch.version, status: 'running',
      step: 0, percent: mc.policy.steps[0]!, startedAt: t, stepStartedAt: t, stepBase, evaluatedAt: 0, rev: 0,
    });
  }

  /** The release's state; an "auto" release starts here, an "admin" one only by act('start'). */
  async function current(mc: ManagedChannel): Promise<ReleaseState | undefined> {
    if (mc.policy.start === 'admin') return stored(mc);
    // The first step has no earlier step to subtract: the candidate already served at this
    // percent before the collector took the release over, so what its first minute holds counts.
    return begin(mc, now(), 0);
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
    if (!st || st.status !== 'running' || t - st.evaluatedAt < config!.intervalMs / 2) return null;
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

  /**
   * Start a release that waits for an admin: its first step goes live with the next manifest
   * revalidation and automatic decisions begin. Only once per candidate (409 after that:
   * resume restarts a rolled back one); of two concurrent starts one wins, the other gets 409.
   */
  async function start(mc: ManagedChannel, reason: string): Promise<{ state: ReleaseState; decision: DecisionRecord }> {
    const name = `${mc.model.slice(0, 64)}/${mc.channel.slice(0, 64)} ${mc.ch.candidate.version.slice(0, 64)}`;
    const already = (st: ReleaseState) => new CollectorError('CONFLICT', 409, `cannot start ${name}: the release was already started and is ${st.status}${st.status === 'rolled_back' ? ' (resume starts it over)' : ''}`);
    const existing = await stored(mc);
    if (existing) throw already(existing);
    const t = now();
    const st = await begin(mc, t, await candidatePredictionsSince(mc, t));
    if (st.rev !== 0 || st.startedAt !== t) throw already(st);
    const next: ReleaseState = { ...st, rev: 1, evaluatedAt: 0 }; // evaluatedAt 0: the next tick evaluates it
    const rec = record(st, next, 'start', 'admin', reason || 'start by admin', 'start', { previousStatus: null, steps: mc.policy.steps }, t);
    rec.fromPercent = 0;
    if (await commit(st, next, rec)) return { state: next, decision: rec };
    throw already((await stored(mc)) ?? st);
  }

  const ALLOWED: Record<Exclude<AdminAction, 'start'>, ReleaseState['status'][]> = {
    pause: ['running'], resume: ['paused', 'rolled_back'], promote: ['running', 'paused'], rollback: ['running', 'paused', 'promoted'],
  };

  /** An admin action on the channel's current release; 404 when the channel has no candidate, 409 when the state does not allow it. */
  async function act(model: string, channel: string, action: AdminAction, reason = ''): Promise<{ state: ReleaseState; decision: DecisionRecord }> {
    if (!config) throw new CollectorError('NOT_FOUND', 404, 'releases are not configured: add a "releases" section to the collector config');
    const mc = (await managed()).find((m) => m.model === model && m.channel === channel);
    if (!mc) throw new CollectorError('NOT_FOUND', 404, `no release for ${model.slice(0, 64)}/${channel.slice(0, 64)}: the base manifest must give that channel a candidate (and no kill switch)`);
    if (action === 'start') return start(mc, reason);
    for (let attempt = 0; attempt < 5; attempt++) {
      const st = await current(mc);
      if (!st) throw new CollectorError('CONFLICT', 409, `cannot ${action} ${model}/${channel} ${mc.ch.candidate.version}: the release has not been started (POST …/start first)`);
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
