// Weighted least squares with the efficiency constraint Σφ = f(x) − E[f]: the last
// player's value is eliminated (φ_M = total − Σ others), as the reference `shap` does.
import type { Coalitions } from './coalitions.js';

/**
 * Shapley values from coalition payoffs. `payoff[i]` is E_bg[f(x_S, z_rest)] for
 * coalition i; `total` = f(x) − E[f(bg)]; `base` = E[f(bg)].
 */
export function solveShapley(c: Coalitions, payoff: Float64Array, base: number, total: number): Float64Array {
  const M = c.players;
  const phi = new Float64Array(M);
  if (M === 1) { phi[0] = total; return phi; }
  const K = M - 1;
  const A = new Float64Array(K * K);
  const b = new Float64Array(K);
  const row = new Float64Array(K);
  for (let i = 0; i < c.count; i++) {
    const w = c.weights[i];
    const last = c.masks[i * M + K];
    const y = payoff[i] - base - last * total;
    for (let j = 0; j < K; j++) row[j] = c.masks[i * M + j] - last;
    for (let j = 0; j < K; j++) {
      if (row[j] === 0) continue;
      const wr = w * row[j];
      b[j] += wr * y;
      for (let k = 0; k < K; k++) A[j * K + k] += wr * row[k];
    }
  }
  const sol = solve(A, b, K);
  let sum = 0;
  for (let j = 0; j < K; j++) { phi[j] = sol[j]; sum += sol[j]; }
  phi[K] = total - sum;
  return phi;
}

/** Gaussian elimination with partial pivoting; a tiny ridge keeps a rank-poor design solvable. */
function solve(A: Float64Array, b: Float64Array, n: number): Float64Array {
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(A[i * n + i]));
  for (let i = 0; i < n; i++) A[i * n + i] += 1e-12 * (scale || 1);
  const x = Float64Array.from(b);
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(A[r * n + col]) > Math.abs(A[piv * n + col])) piv = r;
    if (piv !== col) {
      for (let k = 0; k < n; k++) { const t = A[col * n + k]; A[col * n + k] = A[piv * n + k]; A[piv * n + k] = t; }
      const t = x[col]; x[col] = x[piv]; x[piv] = t;
    }
    const d = A[col * n + col];
    if (d === 0) continue;
    for (let r = col + 1; r < n; r++) {
      const f = A[r * n + col] / d;
      if (f === 0) continue;
      for (let k = col; k < n; k++) A[r * n + k] -= f * A[col * n + k];
      x[r] -= f * x[col];
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = x[r];
    for (let k = r + 1; k < n; k++) s -= A[r * n + k] * x[k];
    const d = A[r * n + r];
    x[r] = d === 0 ? 0 : s / d;
  }
  return x;
}
