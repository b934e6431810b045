// Runs the collector as its own process through the real CLI entry, like an operator would.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export interface CollectorProcess { url: string; proc: ChildProcess; output(): string; kill(signal?: NodeJS.Signals): Promise<void> }

const ROOT = join(import.meta.dirname, '..', '..');

export function spawnCollector(args: string[], env: Record<string, string> = {}): Promise<CollectorProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/collector/main.ts'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  // Generous: tsx compiles the collector on start, and a full run on two shared cores can take
  // ~30 s for that alone. A collector that fails to start exits and rejects at once below.
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`collector did not start in 90 s:\n${out}`)); }, 90_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({
          url: m[1]!, proc, output: () => out,
          kill: (signal = 'SIGTERM') => new Promise<void>((res) => { if (proc.exitCode !== null || proc.signalCode) return res(); proc.once('exit', () => res()); proc.kill(signal); }),
        });
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`collector exited with ${code}:\n${out}`)); });
  });
}
