// Turns a recorder window into a wire Batch v1: random batch id, reduced client
// info, sampling weight, drop counts, and (optionally) local DP noise on counts.
import { noisyCount, randomHex } from '../../protocol/privacy.js';
import type { Batch, ClientInfo, ModelAggregate, SketchJSON } from '../../protocol/wire-types.js';
import type { RecorderSnapshot } from './recorder.js';

export const SDK_NAME = 'inferscope-js/0.1.0';

export interface BatchContext {
  client: ClientInfo;
  sampleRate: number;
  /** Local differential privacy: Laplace(1/epsilon) noise on every count. */
  epsilon?: number;
  dropped: { queue: number; outbox: number };
  now: number;
}

export function buildBatch(snap: RecorderSnapshot, ctx: BatchContext): Batch {
  const batch: Batch = {
    v: 1,
    batchId: randomHex(16),
    sdk: SDK_NAME,
    sentAt: ctx.now,
    window: snap.window,
    sampleRate: ctx.sampleRate,
    client: ctx.client,
    models: snap.models,
    loads: snap.loads,
    dropped: { queue: ctx.dropped.queue + snap.dropped, outbox: ctx.dropped.outbox },
  };
  if (snap.cache) batch.cache = snap.cache;
  if (snap.vitals) batch.vitals = snap.vitals;
  if (ctx.epsilon !== undefined) {
    const eps = ctx.epsilon;
    batch.dp = { epsilon: eps };
    batch.models = snap.models.map((m) => noisyAggregate(m, eps));
    // Vitals are page timings, not counts of user behaviour, but their bucket counts
    // still reveal how many page views a device had: noised the same way.
    if (snap.vitals) batch.vitals = noisyVitals(snap.vitals, eps);
  }
  return batch;
}

export const noisyVitals = (v: NonNullable<Batch['vitals']>, eps: number): Batch['vitals'] =>
  Object.fromEntries(Object.entries(v).map(([k, s]) => [k, noisySketch(s!, eps)]));

const noisyRecord = (r: Record<string, number>, eps: number) =>
  Object.fromEntries(Object.entries(r).map(([k, n]) => [k, noisyCount(n, eps)]));

function noisySketch(s: SketchJSON, eps: number): SketchJSON {
  const counts = s.counts.map((n) => noisyCount(n, eps));
  const zeros = s.zeros > 0 ? noisyCount(s.zeros, eps) : 0;
  const count = counts.reduce((a, b) => a + b, zeros);
  // sum/min/max are kept as measured only as far as they are consistent with noisy counts.
  return { ...s, counts, zeros, count, sum: count === 0 ? 0 : s.sum, min: count === 0 ? 0 : s.min, max: count === 0 ? 0 : s.max };
}

/** Laplace noise on every count of an aggregate (dense arrays: every cell, zeros too). */
function noisyAggregate(m: ModelAggregate, eps: number): ModelAggregate {
  const out: ModelAggregate = {
    ...m,
    predictions: noisyCount(m.predictions, eps),
    errors: noisyRecord(m.errors, eps),
    latency: noisySketch(m.latency, eps),
    scores: m.scores.map((n) => noisyCount(n, eps)),
    classes: noisyRecord(m.classes, eps),
  };
  if (m.features) out.features = Object.fromEntries(Object.entries(m.features).map(([k, bins]) => [k, bins.map((n) => noisyCount(n, eps))]));
  if (m.outOfRange) out.outOfRange = noisyRecord(m.outOfRange, eps);
  if (m.confusion) out.confusion = m.confusion.map(([p, a, n]) => [p, a, noisyCount(n, eps)]);
  if (m.importance) out.importance = Object.fromEntries(Object.entries(m.importance).map(([k, v]) => [k, { sum: v.sum, n: noisyCount(v.n, eps) }]));
  return out;
}
