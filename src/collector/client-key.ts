// The rate limit's key: one client = one app key at one address. It is a hash so that the
// address exists only transiently in the limiter's in-memory table (never in the database,
// the logs or /metrics), and a per-process random salt so the hash cannot be looked up
// against a table of addresses. Keying by app key alone (as before) let one client use up
// the app's whole budget and get every other user of the app 429s.
import { createHash, randomBytes } from 'node:crypto';

/** Returns (appKey, clientAddress) -> opaque key; each call makes a fresh salt. */
export function clientKeyer(): (appKey: string, address: string) => string {
  const salt = randomBytes(16);
  return (appKey, address) => createHash('sha256').update(salt).update(appKey).update('\u0000').update(address).digest('base64url').slice(0, 22);
}
