// The minimal local state needed to join a late ground-truth label to its
// prediction: id -> (model key, predicted label). Bounded and expiring, never sent.
// A ring buffer of ids remembers insertion order, so evicting the oldest is O(1) on
// the predict path (deleting from the front of a Map and iterating from its start
// again is not: V8 walks over the deleted slots until the table is rehashed).

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
  // id -> ring slot; the slot's fields live in parallel arrays, so remembering a
  // prediction allocates nothing but the map entry.
  const slotOf = new Map<string, number>();
  const ids: (string | undefined)[] = new Array(maxEntries).fill(undefined);
  const keys: string[] = new Array(maxEntries).fill('');
  const preds: string[] = new Array(maxEntries).fill('');
  const ats = new Float64Array(maxEntries);
  let head = 0; // next slot to write: also the oldest once the ring is full
  return {
    remember(id, key, predicted) {
      const old = ids[head];
      if (old !== undefined) slotOf.delete(old); // no-op when its label already came
      ids[head] = id;
      keys[head] = key;
      preds[head] = predicted;
      ats[head] = now();
      slotOf.set(id, head);
      head = head + 1 === maxEntries ? 0 : head + 1;
    },
    take(id) {
      const slot = slotOf.get(id);
      if (slot === undefined) return undefined;
      slotOf.delete(id);
      ids[slot] = undefined;
      const at = ats[slot]!;
      return now() - at > ttlMs ? undefined : { key: keys[slot]!, predicted: preds[slot]!, at };
    },
    get size() { return slotOf.size; },
    clear() { slotOf.clear(); ids.fill(undefined); head = 0; },
  };
}
