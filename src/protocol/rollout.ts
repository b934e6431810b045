// Staged rollout: which version of a channel an install gets. Isomorphic: no DOM, no Node APIs.
// Apart from the manifest validator (manifest.ts): the SDK's core needs these on every load by id.
import type { Channel } from './manifest-types.js';

/**
 * A stable bucket in [0, 10000) for (install id, model id): the same install always lands in the
 * same bucket for a model, and different models spread independently. FNV-1a with a murmur3
 * finalizer, so short sequential ids still spread evenly.
 */
export function rolloutBucket(installId: string, modelId: string): number {
  let h = 0x811c9dc5;
  const s = `${modelId}\u0000${installId}`;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) % 10000;
}

/**
 * Which version of a channel an install gets: the candidate when it is on (no kill switch) and the
 * bucket falls under its percentage (bucket / 100 < percent), otherwise the channel's version.
 */
export function pickVersion(ch: Channel, bucket: number): { version: string; variant: 'stable' | 'candidate' } {
  const c = ch.candidate;
  return c && !ch.killSwitch && c.version !== ch.version && bucket < c.percent * 100
    ? { version: c.version, variant: 'candidate' }
    : { version: ch.version, variant: 'stable' };
}
