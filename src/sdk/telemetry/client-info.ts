// What a batch says about the device: reduced user agent and a daily-rotating
// hash of a random install id. Nothing here is a stable identifier once sent.
import { hashInstallId, reduceUserAgent, utcDay } from '../../protocol/privacy.js';
import type { ClientInfo } from '../../protocol/wire-types.js';
import { installId as storedInstallId } from '../delivery/install-id.js';

function userAgent(): string {
  const nav = (globalThis as { navigator?: { userAgent?: string } }).navigator;
  const node = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node;
  // Node >= 21 has navigator.userAgent ("Node.js/22"); Node 20 does not.
  return node && !nav?.userAgent?.startsWith('Mozilla/') ? `Node.js/${node}` : nav?.userAgent ?? '';
}

export interface ClientInfoSource {
  /** Current info; installHash appears once hashed (async) and follows the UTC day. */
  get(): ClientInfo;
  /** Recompute the hash when the UTC day changed (call before building a batch). */
  refresh(): Promise<void>;
}

/**
 * `installId`: the caller's id, or where to get it (the client passes its delivery's, so rollout
 * buckets and telemetry see one id, in Workers too); default: the one delivery keeps in localStorage.
 */
export function createClientInfo({ installId: given, now = Date.now }: { installId?: string | (() => Promise<string>); now?: () => number } = {}): ClientInfoSource {
  const base = reduceUserAgent(userAgent());
  let id: string | undefined;
  let day = -1;
  let hash: string | undefined;
  const refresh = async () => {
    const d = utcDay(now());
    if (d === day && hash) return;
    try {
      id ??= typeof given === 'string' && given ? given : await (typeof given === 'function' ? given() : storedInstallId(null));
      hash = await hashInstallId(id, d);
      day = d;
    } catch {
      hash = undefined; // no crypto.subtle (insecure context): send no install hash at all
    }
  };
  return {
    get: () => (hash && day === utcDay(now()) ? { ...base, installHash: hash } : { ...base }),
    refresh,
  };
}
