// Checks of one release step: the candidate against stable over the same window of stored
// minute aggregates. Each check is "waiting" until both sides hold the data it needs — too
// little data never passes — then "pass" or "fail". Rates are compared with a one-sided
// two-proportion z-test AND a minimum effect size, so neither noise on small counts nor a
// negligible difference on huge counts rolls a release back.
import { drift } from '../../protocol/drift.js';
import type { Baseline } from '../../protocol/manifest-types.js';
import { Sketch } from '../../protocol/sketch.js';
import type { SketchJSON } from '../../protocol/wire-types.js';
import { emptyState, mergeState, type AggState } from '../aggregate.js';
import type { StoredRow } from '../store/types.js';
import type { CheckThresholds } from './policy.js';
import { classShareDistance, twoProportionZ } from './stats.js';

export type CheckName = 'errors' | 'loads' | 'latency' | 'accuracy' | 'shift' | 'drift';
export type CheckStatus = 'pass' | 'fail' | 'waiting';

export interface CheckResult {
  name: CheckName;
  status: CheckStatus;
  /** A waiting required check holds the release; a waiting optional one does not. */
  required: boolean;
  /** One line for people: what was measured against what. */
  detail: string;
  /** The numbers behind it (stored in the audit table). */
  values: Record<string, number | null>;
}

export interface CheckInput {
  rows: StoredRow[];
  stableVersion: string;
  candidateVersion: string;
  baselines: { stable: Baseline | null; candidate: Baseline | null };
  thresholds: CheckThresholds;
}

export interface Sides { stable: AggState; candidate: AggState; stableByBackend: Map<string, AggState>; candidateByBackend: Map<string, AggState>; candidateFallbacks: number }

/** Sum the window's rows into the two variants (and per backend for latency). */
export function splitSides(rows: StoredRow[], stableVersion: string, candidateVersion: string): Sides {
  const sides: Sides = { stable: emptyState(), candidate: emptyState(), stableByBackend: new Map(), candidateByBackend: new Map(), candidateFallbacks: 0 };
  for (const r of rows) {
    const isCandidate = r.variant === 'candidate' && r.version === candidateVersion;
    const isStable = r.variant === 'stable' && r.version === stableVersion;
    if (!isCandidate && !isStable) continue;
    mergeState(isCandidate ? sides.candidate : sides.stable, r.state);
    const per = isCandidate ? sides.candidateByBackend : sides.stableByBackend;
    if (r.backend !== 'none') per.set(r.backend, mergeState(per.get(r.backend) ?? emptyState(), r.state));
    // A candidate that failed to load is reported on the stable load that replaced it.
    if (isStable) for (const n of Object.values(r.state.loads?.candidateFallbacks ?? {})) sides.candidateFallbacks += n;
  }
  return sides;
}

const sum = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0);
const round = (x: number | null, d = 4) => (x === null || !Number.isFinite(x) ? null : Math.round(x * 10 ** d) / 10 ** d);
const pctText = (x: number) => `${(x * 100).toFixed(2)}%`;

/** "Candidate rate worse than stable" on counts: waiting below minSamples, fail when significant and large enough. */
function rateCheck(name: CheckName, required: boolean, z: number, minSamples: number, maxDiff: number, bad: [number, number], total: [number, number], label: string): CheckResult {
  const [xc, xs] = bad;
  const [nc, ns] = total;
  const values = { candidateBad: xc, candidateTotal: nc, stableBad: xs, stableTotal: ns, candidateRate: round(nc ? xc / nc : null), stableRate: round(ns ? xs / ns : null), z: null as number | null };
  if (nc < minSamples || ns < minSamples) {
    return { name, status: 'waiting', required, values, detail: `${label}: waiting for ${minSamples} on each side (candidate ${Math.floor(nc)}, stable ${Math.floor(ns)})` };
  }
  const zv = twoProportionZ(xc, nc, xs, ns);
  values.z = round(zv, 3);
  const diff = xc / nc - xs / ns;
  const failed = zv > z && diff > maxDiff;
  return { name, status: failed ? 'fail' : 'pass', required, values, detail: `${label}: candidate ${pctText(xc / nc)} vs stable ${pctText(xs / ns)} (z ${zv.toFixed(2)}, fails above ${z} and +${pctText(maxDiff)})` };
}

function quantile(s: SketchJSON | null, q: number): number | null {
  if (!s || s.count <= 0) return null;
  const v = Sketch.fromJSON(s).quantile(q);
  return Number.isFinite(v) ? v : null;
}

function latencyCheck(sides: Sides, t: CheckThresholds['latency']): CheckResult {
  const values: Record<string, number | null> = {};
  const compared: string[] = [];
  let worst: string | null = null;
  for (const [backend, c] of sides.candidateByBackend) {
    const s = sides.stableByBackend.get(backend);
    if (!s || (c.latency?.count ?? 0) < t.minSamples || (s.latency?.count ?? 0) < t.minSamples) continue;
    const r50 = (quantile(c.latency, 0.5) ?? 0) / Math.max(1e-6, quantile(s.latency, 0.5) ?? 0);
    const r95 = (quantile(c.latency, 0.95) ?? 0) / Math.max(1e-6, quantile(s.latency, 0.95) ?? 0);
    values[`${backend}.p50Ratio`] = round(r50, 3);
    values[`${backend}.p95Ratio`] = round(r95, 3);
    compared.push(`${backend} p50 x${r50.toFixed(2)} p95 x${r95.toFixed(2)}`);
    if (r50 > t.maxP50Ratio || r95 > t.maxP95Ratio) worst ??= backend;
  }
  if (!compared.length) {
    return { name: 'latency', status: 'waiting', required: t.required, values, detail: `latency: waiting for ${t.minSamples} predictions on one backend on each side` };
  }
  return {
    name: 'latency', status: worst ? 'fail' : 'pass', required: t.required, values,
    detail: `latency per backend (candidate/stable): ${compared.join(', ')}${worst ? ` — ${worst} over the limits p50 x${t.maxP50Ratio}, p95 x${t.maxP95Ratio}` : ''}`,
  };
}

function accuracyCounts(s: AggState): [correct: number, total: number] {
  let correct = 0;
  let total = 0;
  for (const [k, n] of Object.entries(s.confusion)) {
    const [p, a] = JSON.parse(k) as [string, string];
    total += n;
    if (p === a) correct += n;
  }
  return [correct, total];
}

function shiftCheck(sides: Sides, t: CheckThresholds['shift']): CheckResult {
  const nc = sum(sides.candidate.classes);
  const ns = sum(sides.stable.classes);
  const values: Record<string, number | null> = { candidateSamples: nc, stableSamples: ns, js: null };
  if (nc < t.minSamples || ns < t.minSamples) return { name: 'shift', status: 'waiting', required: t.required, values, detail: `prediction shift: waiting for ${t.minSamples} predicted classes on each side (candidate ${nc}, stable ${ns})` };
  const js = classShareDistance(sides.candidate.classes, sides.stable.classes);
  values.js = round(js);
  // Two samples of the same class mix differ by chance: with k classes and N predictions in all,
  // the expected JS divergence is about (k-1)/(2N) nats, so at 100 per side and 10 classes the JS
  // *distance* of two identical models is ~0.18, above a 0.15 limit. A shift fails only when it is
  // also significant: the G-test of homogeneity (2N x weighted JS divergence, chi-square with
  // k-1 df) beyond its 99th percentile, like the z-tests of the other checks.
  const [g, df] = gTest(sides.candidate.classes, sides.stable.classes);
  const crit = chiSquare99(df);
  values.g = round(g);
  values.gCritical = round(crit);
  const fail = js > t.maxJs && g > crit;
  return { name: 'shift', status: fail ? 'fail' : 'pass', required: t.required, values, detail: `prediction shift: JS distance of class shares ${js.toFixed(3)} (limit ${t.maxJs}; G ${g.toFixed(1)}, significant above ${crit.toFixed(1)})` };
}

/** G statistic of a 2 x k contingency table (candidate and stable class counts) and its degrees of freedom. */
function gTest(a: Record<string, number>, b: Record<string, number>): [number, number] {
  const na = sum(a);
  const nb = sum(b);
  const n = na + nb;
  let g = 0;
  let k = 0;
  let inv = 0; // sum of 1 / column total, for Williams' correction
  for (const c of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const col = (a[c] ?? 0) + (b[c] ?? 0);
    if (col <= 0) continue;
    k++;
    inv += 1 / col;
    for (const [o, row] of [[a[c] ?? 0, na], [b[c] ?? 0, nb]] as const) if (o > 0) g += 2 * o * Math.log(o / ((row * col) / n));
  }
  const df = Math.max(1, k - 1);
  // Williams' correction: with rare classes (a few predictions each) G runs above its chi-square
  // law, and two samples of one class mix failed 1.6 % of the time at 30-200 per side, not 1 %.
  const q = k > 1 ? 1 + ((n * (1 / na + 1 / nb) - 1) * (n * inv - 1)) / (6 * n * df) : 1;
  return [g / q, df];
}

/** 99th percentile of chi-square with df degrees of freedom (Wilson–Hilferty; within ~1 % for df >= 1). */
function chiSquare99(df: number): number {
  const v = 2 / (9 * df);
  return df * (1 - v + 2.3263 * Math.sqrt(v)) ** 3;
}

function maxPsi(b: Baseline | null, s: AggState): number | null {
  if (!b || !b.features.length) return null;
  let max: number | null = null;
  for (const f of b.features) {
    const d = drift(f.expected, s.features[f.name] ?? new Array<number>(f.expected.length).fill(0));
    if (d.psi === null) return null; // too few samples for one feature: wait for all
    max = Math.max(max ?? 0, d.psi);
  }
  return max;
}

function driftCheck(sides: Sides, baselines: CheckInput['baselines'], t: CheckThresholds['drift']): CheckResult {
  const c = maxPsi(baselines.candidate, sides.candidate);
  const s = maxPsi(baselines.stable, sides.stable);
  const values = { candidateMaxPsi: round(c), stableMaxPsi: round(s) };
  if (c === null || s === null) return { name: 'drift', status: 'waiting', required: t.required, values, detail: 'input drift: waiting for enough samples (or a baseline in the manifest) for both versions' };
  return { name: 'drift', status: c - s > t.maxPsiIncrease ? 'fail' : 'pass', required: t.required, values, detail: `input drift vs training baseline: candidate max PSI ${c.toFixed(3)} vs stable ${s.toFixed(3)} (limit +${t.maxPsiIncrease})` };
}

/** Every check of one step, in a fixed order. */
export function runChecks({ rows, stableVersion, candidateVersion, baselines, thresholds: t }: CheckInput): CheckResult[] {
  const sides = splitSides(rows, stableVersion, candidateVersion);
  const errC = sum(sides.candidate.errors);
  const errS = sum(sides.stable.errors);
  const lc = sides.candidate.loads;
  const ls = sides.stable.loads;
  const [okC, nC] = accuracyCounts(sides.candidate);
  const [okS, nS] = accuracyCounts(sides.stable);
  return [
    rateCheck('errors', t.errors.required, t.zCritical, t.errors.minSamples, t.errors.maxIncrease, [errC, errS], [sides.candidate.predictions + errC, sides.stable.predictions + errS], 'error rate'),
    rateCheck('loads', t.loads.required, t.zCritical, t.loads.minSamples, t.loads.maxIncrease,
      [(lc?.failed ?? 0) + sides.candidateFallbacks, Math.max(0, (ls?.failed ?? 0))],
      [(lc?.count ?? 0) + sides.candidateFallbacks, ls?.count ?? 0], 'failed loads'),
    latencyCheck(sides, t.latency),
    // Accuracy: the bad outcome is a wrong answer, so the test runs on the error share.
    rateCheck('accuracy', t.accuracy.required, t.zCritical, t.accuracy.minLabels, t.accuracy.maxDrop, [nC - okC, nS - okS], [nC, nS], 'wrong answers on fed-back labels'),
    shiftCheck(sides, t.shift),
    driftCheck(sides, baselines, t.drift),
  ];
}
