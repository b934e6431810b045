// The anonymous install id that picks rollout buckets: random, stored on this device, never sent
// raw (telemetry only sends a daily-salted hash of it). Shared with telemetry: the same
// localStorage key it uses, so both see one id in a page; IndexedDB where localStorage is missing
// (workers); otherwise one per client.
import { randomHex } from '../../protocol/privacy.js';
import type { DeliveryDb } from './db.js';
import { getMeta } from './store.js';

const KEY = 'inferscope:install-id';

export async function installId(db: DeliveryDb | null): Promise<string> {
  try {
    const ls = (globalThis as { localStorage?: Storage }).localStorage;
    if (ls) {
      let id = ls.getItem(KEY);
      if (!id) ls.setItem(KEY, (id = randomHex(16)));
      return id;
    }
  } catch { /* sandboxed iframe, storage disabled: fall through */ }
  if (!db) return randomHex(16);
  try {
    const found = await getMeta<string>(db, KEY);
    if (found) return found;
    // add() fails if another context stored one first; then that one wins.
    await db.add('meta', randomHex(16), KEY).catch(() => {});
    return (await getMeta<string>(db, KEY)) ?? randomHex(16);
  } catch {
    return randomHex(16);
  }
}
