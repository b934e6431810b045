// `inferscope collector ...`: the collector as a subcommand of the inferscope CLI. Runs
// until SIGINT/SIGTERM, then closes cleanly (in-flight batches are committed first).
import type { Command } from '../cli/command.js';
import { CollectorError } from './errors.js';
import { USAGE } from './usage.js';

export const collectorCommand: Command = {
  name: 'collector',
  summary: 'run the telemetry collector (ingest, reports, /metrics, dashboard)',
  help: USAGE,
  async run(argv, io) {
    // Loaded on use: other subcommands should not pay for Fastify and the database drivers.
    const { main, closeOnSignal } = await import('./main.js');
    let running;
    try {
      running = await main(argv, { out: (l) => io.out(l + '\n'), err: (l) => io.err(l + '\n'), signals: false });
    } catch (err) {
      if (err instanceof CollectorError) {
        io.err(`inferscope collector: ${err.message}\n`);
        return err.statusCode === 2 ? 2 : 1;
      }
      throw err;
    }
    if (!running) return 0; // --help
    return closeOnSignal(running, (l) => io.err(l + '\n'), running.shutdownGraceMs);
  },
};
