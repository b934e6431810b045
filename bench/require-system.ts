// Benches that drive Chromium or start PostgreSQL need the Debian packages that the test command
// installs. Set them up the same way (scripts/setup-system.sh: installs what is missing when run as
// root), or stop with one line naming what is missing and the command that installs it.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../test/support/fixtures-server.js';

export type SystemPart = 'chromium' | 'postgresql';

const present: Record<SystemPart, () => boolean> = {
  chromium: () => existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'),
  postgresql: () => existsSync('/usr/lib/postgresql') && readdirSync('/usr/lib/postgresql').some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`)),
};

/** Returns when every part is there (after running the set-up script if one was missing); else exits 2. */
export function requireSystem(bench: string, parts: SystemPart[], env: NodeJS.ProcessEnv = process.env): void {
  const missing = () => parts.filter((p) => !present[p]());
  if (!missing().length) return;
  // The same script `npm test` runs; as root it installs, otherwise it only says what is missing.
  spawnSync('bash', [join(REPO_ROOT, 'scripts/setup-system.sh')], { stdio: 'ignore', env });
  const still = missing();
  if (!still.length) return;
  console.error(`bench ${bench}: needs ${still.join(' and ')}, not installed here; install with: sudo apt-get update && sudo apt-get install -y --no-install-recommends ${still.join(' ')} (or run: sudo bash scripts/setup-system.sh)`);
  process.exit(2);
}
