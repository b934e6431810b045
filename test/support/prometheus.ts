// Starts a real Prometheus (Debian package) for tests: generated config scraping the
// given targets every second, optional rule files, TSDB in a temp dir, 127.0.0.1 only.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export interface TestPrometheus {
  url: string;
  /** Instant query; resolves with the `data.result` array, throws on a PromQL error. */
  query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  stop(): Promise<void>;
}

export const PROMETHEUS_BIN = ['/usr/bin/prometheus', '/usr/local/bin/prometheus'].find((p) => existsSync(p));

export async function startPrometheus({ targets, ruleFiles = [] }: { targets: string[]; ruleFiles?: string[] }): Promise<TestPrometheus> {
  if (!PROMETHEUS_BIN) throw new Error('prometheus not found; run scripts/setup-system.sh (installs the Debian prometheus package)');
  const dir = mkdtempSync(join(tmpdir(), 'inferscope-prom-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, [
    'global:', '  scrape_interval: 1s', '  evaluation_interval: 1s',
    ...(ruleFiles.length ? ['rule_files:', ...ruleFiles.map((f) => `  - ${JSON.stringify(f)}`)] : []),
    'scrape_configs:', '  - job_name: inferscope', '    static_configs:', `      - targets: [${targets.map((t) => JSON.stringify(t)).join(', ')}]`, '',
  ].join('\n'));
  const port = await freePort();
  const proc: ChildProcess = spawn(PROMETHEUS_BIN, [
    `--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`prometheus exited: ${stderr}`);
    const ok = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) { proc.kill('SIGKILL'); throw new Error(`prometheus not ready in 90 s: ${stderr}`); }
    await new Promise((r) => setTimeout(r, 200));
  }
  let stopped: Promise<void> | null = null;
  return {
    url,
    async query(expr) {
      const r = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const j = (await r.json()) as { status: string; error?: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
      if (j.status !== 'success') throw new Error(`PromQL ${expr}: ${j.error}`);
      return j.data.result;
    },
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
        setTimeout(() => proc.kill('SIGKILL'), 10_000).unref();
      }).then(() => rmSync(dir, { recursive: true, force: true }));
      return stopped;
    },
  };
}
