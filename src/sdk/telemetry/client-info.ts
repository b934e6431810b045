// What a batch says about the device: reduced user agent and a daily-rotating
// hash of a random install id. Nothing here is a stable identifier once sent.
import { hashInstallId, randomHex, reduceUserAgent, utcDay } from '../../protocol/privacy.js';
import type { ClientInfo } from '../../protocol/wire-types.js';

const STORAGE_KEY = 'inferscope:install-id';

function userAgent(): string {
  const nav = (globalThis as { navigator?: { userAgent?: string } }).navigator;
  const node = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node;
  // Node >= 21 has navigator.userAgent ("Node.js/22"); Node 20 does not.
  return node && !nav?.userAgent?.startsWith('Mozilla/') ? `Node.js/${node}` : nav?.userAgent ?? '';
}

/** The install id: the caller's, else one kept in localStorage, else one per page. */
function installId(given?: string): string {
  if (given) return given;
  try {
    const ls = (globalThis as { localStorage?: Storage }).localStorage;
    if (ls) {
      let id = ls.getItem(STORAGE_KEY);
      if (!id) ls.setItem(STORAGE_KEY, (id = randomHex(16)));
      return id;
    }
  } catch {
    // localStorage can throw (sandboxed iframes, disabled storage): fall through.
  }
  return randomHex(16);
}

export interface ClientInfoSource {
  /** Current info; installHash appears once hashed (async) and follows the UTC day. */
  get(): ClientInfo;
  /** Recompute the hash when the UTC day changed (call before building a batch). */
  refresh(): Promise<void>;
}

export function createClientInfo({ installId: given, now = Date.now }: { installId?: string; now?: () => number } = {}): ClientInfoSource {
  const base = reduceUserAgent(userAgent());
  let id: string | undefined;
  let day = -1;
  let hash: string | undefined;
  const refresh = async () => {
    const d = utcDay(now());
    if (d === day && hash) return;
    try {
      id ??= installId(given);
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
