// The live manifest: the configured base manifest with each managed channel's release state
// applied. Devices revalidate it with If-None-Match, so a new step reaches them within their
// manifestMaxAgeMs; the ETag is a hash of the exact bytes served, equal on every replica.
import { createHash } from 'node:crypto';
import type { Channel, Manifest } from '../../protocol/manifest-types.js';
import { policyFor, unstartedPercent, type ReleasesConfig } from './policy.js';
import type { ReleaseState } from './state.js';

/** Key of a release row for a channel's current candidate. */
export const releaseKey = (model: string, channel: string, candidate: string) => `${model}\u0000${channel}\u0000${candidate}`;

function applyState(ch: Channel, st: ReleaseState | undefined, firstPercent: number): Channel {
  const cand = ch.candidate!;
  // A kill switch set by a person in the base manifest always wins.
  if (ch.killSwitch) return ch;
  if (!st) return { ...ch, candidate: { version: cand.version, percent: firstPercent } };
  switch (st.status) {
    case 'promoted': return { version: cand.version };
    case 'rolled_back': return { version: ch.version, candidate: { version: cand.version, percent: 0 }, killSwitch: true };
    default: return { ...ch, candidate: { version: cand.version, percent: st.percent } };
  }
}

/**
 * Base manifest + release state. Without a releases config the base is served as is (with
 * model URLs made absolute when `modelBaseUrl` is set).
 * @example liveManifest(base, await store.releases.states(), cfg)
 */
export function liveManifest(base: Manifest, states: ReleaseState[], cfg: ReleasesConfig | undefined): Manifest {
  const byKey = new Map(states.map((s) => [releaseKey(s.model, s.channel, s.candidate), s]));
  const models: Manifest['models'] = {};
  for (const [id, m] of Object.entries(base.models)) {
    const channels: Record<string, Channel> = {};
    for (const [name, ch] of Object.entries(m.channels)) {
      channels[name] = cfg && ch.candidate ? applyState(ch, byKey.get(releaseKey(id, name, ch.candidate.version)), unstartedPercent(policyFor(cfg, id, name))) : ch;
    }
    const versions = cfg?.modelBaseUrl
      ? Object.fromEntries(Object.entries(m.versions).map(([v, e]) => [v, { ...e, url: new URL(e.url, cfg.modelBaseUrl).href }]))
      : m.versions;
    models[id] = { ...m, channels, versions };
  }
  return { ...base, models };
}

/** The bytes to serve and their ETag. */
export function manifestBody(m: Manifest): { body: string; etag: string } {
  const body = JSON.stringify(m);
  return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}
