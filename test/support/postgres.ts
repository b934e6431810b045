// Starts a real, throw-away PostgreSQL server for tests: initdb into a temp directory,
// listen on 127.0.0.1 and a free port, unix socket in the same temp directory. As root
// (PostgreSQL refuses to run as root) everything runs as the `postgres` system user.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export interface TestPostgres {
  url: string;
  port: number;
  /** Process id of the postmaster (its children are the backends and background workers). */
  pid(): number;
  /** What the server logged so far (stderr): fatal messages only, ERROR lines too with `logErrors`. */
  log(): string;
  stop(): Promise<void>;
}

const BIN = ['/usr/lib/postgresql/17/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/15/bin'].find((d) => existsSync(join(d, 'initdb')));

export function postgresAvailable(): boolean {
  return BIN !== undefined;
}

export interface StartPostgresOptions {
  /** Log every ERROR (log_min_messages=error), e.g. to check that a path raises none. Default: fatal only. */
  logErrors?: boolean;
}

export async function startPostgres({ logErrors = false }: StartPostgresOptions = {}): Promise<TestPostgres> {
  if (!BIN) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin; run scripts/setup-system.sh (installs postgresql)');
  const root = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'inferscope-pg-'));
  const data = join(dir, 'data');
  const sock = join(dir, 'sock');
  mkdirSync(sock);
  let uid = 0;
  let gid = 0;
  if (root) {
    uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chmodSync(dir, 0o755);
    chownSync(dir, uid, gid);
    chownSync(sock, uid, gid);
  }
  const asPg = (cmd: string, args: string[]): [string, string[]] => (root ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]);
  const [c1, a1] = asPg(join(BIN, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--locale=C']);
  execFileSync(c1, a1, { stdio: 'pipe' });
  const port = await freePort();
  const [c2, a2] = asPg(join(BIN, 'postgres'), [
    '-D', data, '-p', String(port), '-k', sock, '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200',
    '-c', 'shared_buffers=64MB', '-c', 'fsync=on', '-c', `log_min_messages=${logErrors ? 'error' : 'fatal'}`,
  ]);
  const proc: ChildProcess = spawn(c2, a2, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`postgres exited early: ${stderr}`);
    try {
      execFileSync(join(BIN, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres'], { stdio: 'ignore' });
      break;
    } catch {
      if (Date.now() > deadline) { proc.kill('SIGKILL'); throw new Error(`postgres did not become ready in 90 s: ${stderr}`); }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  let stopped: Promise<void> | null = null;
  return {
    url,
    port,
    // From postmaster.pid: as root the spawned child is runuser, not postgres itself.
    pid: () => Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]),
    log: () => stderr,
    stop() {
      // pg_ctl, not a signal to our child: as root the child is runuser, which does not
      // forward signals to the postgres it started.
      stopped ??= (async () => {
        const [c3, a3] = asPg(join(BIN!, 'pg_ctl'), ['stop', '-D', data, '-m', 'fast', '-w']);
        try { execFileSync(c3, a3, { stdio: 'ignore', timeout: 30_000 }); } catch { proc.kill('SIGKILL'); }
        rmSync(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}
