// The minimal local state needed to join a late ground-truth label to its
// prediction: id -> (model key, predicted label). Bounded and expiring, never sent.
// A Map iterates in insertion order, so the oldest entry is always first: pruning
// by age and by size both pop from the front in O(1) each.

export interface PendingPrediction {
  key: string;
  predicted: string;
  at: number;
}

export interface FeedbackMapOptions {
  /** Most predictions remembered; the oldest are forgotten first. Default 5000. */
  maxEntries?: number;
  /** How long a prediction can wait for its label, in ms. Default 24 h. */
  ttlMs?: number;
  now?: () => number;
}

export interface FeedbackMap {
  remember(id: string, key: string, predicted: string): void;
  /** The prediction for `id`, removed so a label counts once; undefined if unknown or expired. */
  take(id: string): PendingPrediction | undefined;
  readonly size: number;
  clear(): void;
}

export function createFeedbackMap({ maxEntries = 5000, ttlMs = 86_400_000, now = Date.now }: FeedbackMapOptions = {}): FeedbackMap {
  const map = new Map<string, PendingPrediction>();
  const prune = (t: number) => {
    for (const [id, p] of map) {
      if (map.size > maxEntries || t - p.at > ttlMs) map.delete(id);
      else break;
    }
  };
  return {
    remember(id, key, predicted) {
      const t = now();
      map.set(id, { key, predicted, at: t });
      if (map.size > maxEntries) prune(t);
    },
    take(id) {
      const t = now();
      prune(t);
      const p = map.get(id);
      if (!p) return undefined;
      map.delete(id);
      return p;
    },
    get size() { return map.size; },
    clear() { map.clear(); },
  };
}
