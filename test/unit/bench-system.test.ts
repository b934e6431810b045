// #17.8: a bench that needs a system part (Chromium, PostgreSQL) on a machine without it stops at
// once with one line naming what is missing and the command that installs it, instead of failing
// deep inside Playwright. (CHROMIUM_PATH points the check at a browser that is not there.)
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { REPO_ROOT } from '../support/fixtures-server.js';

const bench = (name: string, env: Record<string, string>) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'bench/run.ts'), name], { cwd: REPO_ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 });

test.each(['load', 'predict-overhead'])('bench %s without Chromium: one line saying what is missing and how to install it', (name) => {
  const r = bench(name, { CHROMIUM_PATH: '/nonexistent/chromium' });
  expect(r.status).not.toBe(0);
  expect(r.stdout).toBe(''); // nothing measured, no half-run
  const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith(`bench ${name} exited`));
  expect(lines).toEqual([`bench ${name}: needs chromium, not installed here; install with: sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium (or run: sudo bash scripts/setup-system.sh)`]);
});
