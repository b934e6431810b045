// The rate limit's key: one client = one app key at one address. It is a hash so that the
// address exists only transiently in the limiter's in-memory table (never in the database,
// the logs or /metrics), and a per-process random salt so the hash cannot be looked up
// against a table of addresses. Keying by app key alone (as before) let one client use up
// the app's whole budget and get every other user of the app 429s.
import * as crypto from 'node:crypto';

/** Returns (appKey, clientAddress) -> opaque key; each call makes a fresh salt. */
export function clientKeyer(): (appKey: string, address: string) => string {
  const salt = crypto.randomBytes(16).toString('hex');
  return (appKey, address) => sha256(`${salt}\u0000${appKey}\u0000${address}`).slice(0, 22);
}

/** SHA-256 of a string, base64url. crypto.hash (Node >= 20.12) makes no Hash object per
 *  call, which showed in the ingest profile; older Node 20 releases take the long way. */
export const sha256: (text: string) => string = typeof crypto.hash === 'function'
  ? (text) => crypto.hash('sha256', text, 'base64url')
  : (text) => crypto.createHash('sha256').update(text).digest('base64url');
