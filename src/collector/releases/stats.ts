// The two statistics the release checks need, kept apart so they can be tested on their own.

/**
 * One-sided two-proportion z-test: how many standard errors the candidate's rate `x1/n1`
 * lies above stable's `x2/n2` (pooled variance). Positive = candidate higher. 0 when either
 * side is empty or both rates are 0 or 1 (no variance: nothing to tell apart).
 * @example twoProportionZ(30, 1000, 10, 1000) // ≈ 3.2: candidate fails more often
 */
export function twoProportionZ(x1: number, n1: number, x2: number, n2: number): number {
  if (!(n1 > 0 && n2 > 0)) return 0;
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const p = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2));
  if (!(se > 0)) return 0;
  return (p1 - p2) / se;
}

/**
 * Jensen–Shannon distance (log base 2, in [0, 1]) between two count maps over the union of
 * their keys: how differently two model versions spread their predictions over classes.
 * @example classShareDistance({ a: 5, b: 5 }, { a: 5, b: 5 }) // 0
 */
export function classShareDistance(a: Record<string, number>, b: Record<string, number>): number {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  const ta = keys.reduce((s, k) => s + Math.max(0, a[k] ?? 0), 0);
  const tb = keys.reduce((s, k) => s + Math.max(0, b[k] ?? 0), 0);
  if (!(ta > 0 && tb > 0)) return 0;
  let div = 0;
  for (const k of keys) {
    const p = Math.max(0, a[k] ?? 0) / ta;
    const q = Math.max(0, b[k] ?? 0) / tb;
    const m = (p + q) / 2;
    if (p > 0) div += 0.5 * p * Math.log2(p / m);
    if (q > 0) div += 0.5 * q * Math.log2(q / m);
  }
  return Math.sqrt(Math.max(0, Math.min(1, div)));
}
