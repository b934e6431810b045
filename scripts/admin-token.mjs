// The admin token `npm start` hands the collector and prints in the dashboard link. A bookmarked
// link must keep working across restarts, so a generated token is kept in the data folder (owner
// read/write only: it reads every report) and reused; INFERSCOPE_ADMIN_TOKEN, when set and not
// empty, wins and is never written down.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The collector refuses shorter tokens (src/collector/config.ts). */
const MIN_LENGTH = 16;

/**
 * @returns {{ token: string, source: 'env' | 'file' | 'new', file: string }}
 * @example adminToken({ dataDir: '.data', env: process.env }).token
 */
export function adminToken({ dataDir, env = process.env }) {
  const file = join(dataDir, 'admin-token');
  const fromEnv = env.INFERSCOPE_ADMIN_TOKEN;
  if (fromEnv !== undefined && fromEnv !== '') return { token: fromEnv, source: 'env', file };
  let saved = '';
  try { saved = readFileSync(file, 'utf8').trim(); } catch { /* first start: none yet */ }
  if (saved.length >= MIN_LENGTH && !/\s/.test(saved)) {
    chmodSync(file, 0o600); // an older or hand-made file may be readable by others
    return { token: saved, source: 'file', file };
  }
  const token = `adm_${randomBytes(24).toString('hex')}`;
  mkdirSync(dataDir, { recursive: true });
  // mode applies only when the file is created; chmod covers replacing a broken one.
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { token, source: 'new', file };
}
