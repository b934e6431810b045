// Classification quality from feedback confusion counts ([predicted, actual, count]).
// Isomorphic; used by the collector's reports and /metrics.
import type { ConfusionCell } from './wire-types.js';

export interface ClassScores {
  label: string;
  /** Feedback whose actual label is this class. */
  support: number;
  precision: number | null;
  recall: number | null;
  f1: number | null;
}

export interface ClassificationReport {
  /** Feedback count (sum of all cells). */
  n: number;
  accuracy: number | null;
  perClass: ClassScores[];
  /** Unweighted means over classes where the score is defined. */
  macro: { precision: number | null; recall: number | null; f1: number | null };
}

function mean(xs: (number | null)[]): number | null {
  const v = xs.filter((x): x is number => x !== null);
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
}

/**
 * Accuracy, per-class precision/recall/F1 and their macro averages. A score whose
 * denominator is zero is `null` (undefined), not 0, so it does not drag the macro down.
 * @example classification([['cat', 'cat', 8], ['cat', 'dog', 2], ['dog', 'dog', 10]])
 */
export function classification(cells: Iterable<ConfusionCell>): ClassificationReport {
  const tp = new Map<string, number>();
  const predicted = new Map<string, number>();
  const actual = new Map<string, number>();
  let n = 0;
  let correct = 0;
  for (const [p, a, c] of cells) {
    if (!(c > 0)) continue;
    n += c;
    predicted.set(p, (predicted.get(p) ?? 0) + c);
    actual.set(a, (actual.get(a) ?? 0) + c);
    if (p === a) { correct += c; tp.set(p, (tp.get(p) ?? 0) + c); }
  }
  const labels = [...new Set([...predicted.keys(), ...actual.keys()])].sort();
  const perClass = labels.map((label): ClassScores => {
    const t = tp.get(label) ?? 0;
    const pp = predicted.get(label) ?? 0;
    const ap = actual.get(label) ?? 0;
    const precision = pp > 0 ? t / pp : null;
    const recall = ap > 0 ? t / ap : null;
    const f1 = precision !== null && recall !== null ? (precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0) : null;
    return { label, support: ap, precision, recall, f1 };
  });
  return {
    n,
    accuracy: n > 0 ? correct / n : null,
    perClass,
    macro: { precision: mean(perClass.map((c) => c.precision)), recall: mean(perClass.map((c) => c.recall)), f1: mean(perClass.map((c) => c.f1)) },
  };
}
