// Live global feature importance per version (mean |attribution| of the explanations clients
// sampled), compared with the training-time importance in the manifest baseline: Spearman
// rank correlation and the share of importance that moved, and a drift flag.
import type { Baseline } from '../protocol/manifest-types.js';

/** Explanations needed before correlation and drift are reported (fewer: too noisy to flag). */
export const MIN_EXPLAINED = 30;
/** Drift when the live ranking correlates less than this with the baseline's… */
export const MIN_RANK_CORRELATION = 0.5;
/** …or more than this share of total importance moved between features (total variation). */
export const MAX_SHARE_SHIFT = 0.25;

export interface ImportanceSection {
  /** Live mean |attribution| per feature, largest first, with the baseline's value when known. */
  features: { name: string; importance: number; n: number; baseline: number | null }[];
  /** Explanations behind the figures (the most any feature got). */
  explained: number;
  /** Spearman ρ between live and baseline importance over the features both have (null: not enough data). */
  rankCorrelation: number | null;
  /** ½ Σ |live share − baseline share| over common features, in [0, 1]. */
  shareShift: number | null;
  /** true / false once MIN_EXPLAINED explanations and a baseline importance exist; null before. */
  drift: boolean | null;
  reason?: string;
}

/** Average ranks (1-based); ties share the mean of their positions. */
function ranks(values: number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const r = new Array<number>(values.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    for (let k = i; k <= j; k++) r[order[k]![1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

/** Spearman rank correlation (Pearson on average ranks); null when either side is constant or n < 3. */
export function spearman(a: number[], b: number[]): number | null {
  if (a.length !== b.length || a.length < 3) return null;
  const ra = ranks(a), rb = ranks(b);
  const mean = (x: number[]) => x.reduce((s, v) => s + v, 0) / x.length;
  const ma = mean(ra), mb = mean(rb);
  let num = 0, da = 0, db = 0;
  for (let i = 0; i < ra.length; i++) {
    num += (ra[i]! - ma) * (rb[i]! - mb);
    da += (ra[i]! - ma) ** 2;
    db += (rb[i]! - mb) ** 2;
  }
  return da > 0 && db > 0 ? num / Math.sqrt(da * db) : null;
}

export function importanceSection(live: Record<string, { sum: number; n: number }>, baseline?: Baseline): ImportanceSection {
  const base = baseline?.importance;
  const features = Object.entries(live)
    .filter(([, v]) => v.n > 0)
    .map(([name, v]) => ({ name, importance: v.sum / v.n, n: v.n, baseline: base && Object.hasOwn(base, name) ? base[name]! : null }))
    .sort((x, y) => y.importance - x.importance);
  const explained = features.reduce((m, f) => Math.max(m, f.n), 0);
  const none = (reason: string): ImportanceSection => ({ features, explained, rankCorrelation: null, shareShift: null, drift: null, reason });
  if (!features.length) return none('no explanations yet (set telemetry.explainSampleRate in the SDK)');
  if (!base) return none('the manifest baseline has no importance to compare with');
  const common = features.filter((f) => f.baseline !== null);
  if (common.length < 3) return none('fewer than 3 features in common with the baseline importance');
  const rankCorrelation = spearman(common.map((f) => f.importance), common.map((f) => f.baseline!));
  const liveTotal = common.reduce((s, f) => s + f.importance, 0);
  const baseTotal = common.reduce((s, f) => s + f.baseline!, 0);
  const shareShift = liveTotal > 0 && baseTotal > 0
    ? common.reduce((s, f) => s + Math.abs(f.importance / liveTotal - f.baseline! / baseTotal), 0) / 2
    : null;
  if (explained < MIN_EXPLAINED) return { ...none(`${explained} explanations; drift is judged from ${MIN_EXPLAINED}`), rankCorrelation, shareShift };
  const drift = (rankCorrelation !== null && rankCorrelation < MIN_RANK_CORRELATION) || (shareShift !== null && shareShift > MAX_SHARE_SHIFT);
  return { features, explained, rankCorrelation, shareShift, drift };
}
