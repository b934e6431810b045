// The anonymous install id that picks rollout buckets: random, stored on this device, never sent
// raw (telemetry only sends a daily-salted hash of it).
import type { DeliveryDb } from './db.js';
import { getMeta } from './store.js';

export function randomId(): string {
  const b = new Uint8Array(16);
  globalThis.crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** Reads or creates the install id; without storage it lives as long as the client. */
export async function installId(db: DeliveryDb | null): Promise<string> {
  if (!db) return randomId();
  try {
    const found = await getMeta<string>(db, 'installId');
    if (found) return found;
    const id = randomId();
    // add() fails if another tab stored one first; then that one wins.
    await db.add('meta', id, 'installId').catch(() => {});
    return (await getMeta<string>(db, 'installId')) ?? id;
  } catch {
    return randomId();
  }
}
