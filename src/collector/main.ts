// `inferscope collector` / `inferscope-collector`: parse flags, load the config (or make a
// development one), start, and stop cleanly on SIGINT/SIGTERM.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { developmentConfig, loadConfigFile, LOG_LEVELS, type CollectorConfig, type LogLevel } from './config.js';
import { CollectorError } from './errors.js';
import { validateReleases } from './releases/policy.js';
import { startCollector, type RunningCollector } from './server.js';
import { USAGE } from './usage.js';

export { startCollector } from './server.js';
export type { CollectorOptions, RunningCollector } from './server.js';

export { USAGE } from './usage.js';

export interface MainIO {
  out?: (line: string) => void;
  err?: (line: string) => void;
  env?: Record<string, string | undefined>;
  /** Install SIGINT/SIGTERM handlers (default true). */
  signals?: boolean;
  /** A "releases" config section for the development config (no --config), e.g. DEMO_RELEASES. */
  releases?: unknown;
}

/**
 * Run the collector from command-line arguments. Resolves with the running collector,
 * or null after --help. Throws a CollectorError with code CONFIG on bad flags or config.
 * @example await main(['--port', '8470', '--db', 'data/collector.sqlite']);
 */
export async function main(argv: string[], io: MainIO = {}): Promise<RunningCollector | null> {
  const { out = (l) => process.stdout.write(l + '\n'), err = (l) => process.stderr.write(l + '\n'), env = process.env, signals = true } = io;
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' }, host: { type: 'string' }, db: { type: 'string' }, postgres: { type: 'string' },
        config: { type: 'string' }, manifest: { type: 'string' }, 'retention-days': { type: 'string' }, 'dedupe-days': { type: 'string' }, 'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new CollectorError('CONFIG', 2, `${(e as Error).message}\n\n${USAGE}`);
  }
  if (values.help) { out(USAGE); return null; }
  const num = (name: string, v: unknown, ok: (n: number) => boolean): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!ok(n)) throw new CollectorError('CONFIG', 2, `--${name} must be ${name === 'port' ? 'an integer 0-65535' : name === 'dedupe-days' ? 'a number of days in (0, 366]' : 'a number > 0'}, got ${String(v)}`);
    return n;
  };
  const port = num('port', values.port, (n) => Number.isInteger(n) && n >= 0 && n <= 65535);
  const retentionDays = num('retention-days', values['retention-days'], (n) => n > 0);
  const dedupeDays = num('dedupe-days', values['dedupe-days'], (n) => n > 0 && n <= 366);
  const logLevel = values['log-level'] as LogLevel | undefined;
  if (logLevel !== undefined && !LOG_LEVELS.includes(logLevel)) throw new CollectorError('CONFIG', 2, `--log-level must be one of ${LOG_LEVELS.join(', ')}, got ${logLevel}`);
  if (values.db && values.postgres) throw new CollectorError('CONFIG', 2, 'pass either --db or --postgres, not both');

  const dev = !values.config;
  const config: CollectorConfig = dev ? developmentConfig(env) : loadConfigFile(values.config as string, env);
  if (dev && io.releases !== undefined) config.releases = validateReleases(io.releases);
  const manifest = (values.manifest as string | undefined) ?? config.manifest ?? (existsSync('models/manifest.json') ? 'models/manifest.json' : undefined);
  const running = await startCollector({
    config, port, retentionDays, dedupeDays, manifest, logLevel,
    host: values.host as string | undefined,
    db: values.db as string | undefined,
    postgres: (values.postgres as string | undefined) ?? env.INFERSCOPE_POSTGRES_URL,
  });
  out(`inferscope collector listening on ${running.url} (storage: ${running.store.kind}${manifest ? `, manifest: ${manifest}` : ', no manifest: drift needs --manifest'})`);
  if (dev) {
    out(`development app "dev" (any origin). Ingest key: ${config.apps[0]!.keys[0]}`);
    out(`admin token: ${config.adminToken}`);
    out(`dashboard: ${running.url}/#token=${config.adminToken}`);
    out(`send telemetry to ${running.url}/v1/batches?key=${config.apps[0]!.keys[0]}`);
    if (config.releases) out(`releases: managed (policies: ${[...config.releases.policies.keys()].join(', ') || 'defaults only'}; a policy with "start": "admin" waits for POST /v1/releases/:model/:channel/start)`);
  }
  if (signals) void closeOnSignal(running, err, running.shutdownGraceMs).then((code) => process.exit(code));
  return running;
}

/**
 * Resolves with an exit code once SIGINT or SIGTERM has closed the collector: in-flight
 * requests get `graceMs` (see server.ts), then the writer commits what it holds. If even
 * that hangs (a database that stopped answering), it gives up 10 s later with code 1, so
 * an orchestrator's SIGTERM always ends the process. A second signal exits at once.
 */
export function closeOnSignal(running: RunningCollector, log: (line: string) => void, graceMs = 10_000): Promise<number> {
  return new Promise((resolve) => {
    const stop = (sig: string) => {
      process.once(sig, () => { log(`${sig} again: exiting without waiting`); resolve(1); });
      log(`${sig}: finishing in-flight batches (up to ${graceMs} ms), then closing`);
      const hard = setTimeout(() => { log('shutdown did not finish in time; exiting'); resolve(1); }, graceMs + 10_000);
      hard.unref();
      running.close().then(() => resolve(0), (e: Error) => { log(`shutdown failed: ${e.message}`); resolve(1); }).finally(() => clearTimeout(hard));
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}

// Run directly: node --import tsx src/collector/main.ts [flags]
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main(process.argv.slice(2)).catch((e: Error) => {
    process.stderr.write(`${e.message}\n`);
    process.exit(e instanceof CollectorError && e.code === 'CONFIG' ? 2 : 1);
  });
}
