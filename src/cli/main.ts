// `inferscope` command-line entry: dispatches to a subcommand, turns errors into a
// message and an exit code (1: bad input, 2: bad arguments), and runs itself when
// executed directly: `node --import tsx src/cli/main.ts quantize ...`.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InferScopeError } from '../sdk/errors.js';
import { type CliIO, type Command, UsageError } from './command.js';
import { commands } from './commands.js';

function overview(list: Command[]): string {
  const width = Math.max(...list.map((c) => c.name.length));
  return [
    'Usage: inferscope <command> [options]',
    '',
    'Commands:',
    ...list.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run "inferscope <command> --help" for the options of one command.',
  ].join('\n');
}

/** Runs the CLI with explicit output sinks (tests use this); returns the exit code. */
export async function runCli(argv: string[], io: CliIO, list: Command[] = commands): Promise<number> {
  const words = argv.slice(0, 2).filter((w) => !w.startsWith('-'));
  const command = list
    .filter((c) => c.name.split(' ').every((part, i) => words[i] === part))
    .sort((a, b) => b.name.length - a.name.length)[0];
  if (!command) {
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
      io.out(overview(list) + '\n');
      return argv.length === 0 ? 2 : 0;
    }
    io.err(`inferscope: unknown command "${argv.slice(0, 2).join(' ')}"\n\n${overview(list)}\n`);
    return 2;
  }
  const rest = argv.slice(command.name.split(' ').length);
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`inferscope ${command.name}: ${err.message}\nRun "inferscope ${command.name} --help" for usage.\n`);
      return 2;
    }
    if (err instanceof InferScopeError) {
      io.err(`inferscope ${command.name}: ${err.message}\n`);
      return 1;
    }
    io.err(`inferscope ${command.name}: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
    return 1;
  }
}

/** The `inferscope` binary: argv without "node" and the script path. */
export async function main(argv: string[]): Promise<number> {
  // tfjs-backend-cpu tells every Node process to install tfjs-node, which this project must not
  // use; PROD silences tfjs's console warnings for the CLI process (not for library users).
  if (!argv.includes('--help') && !argv.includes('-h')) (await import('@tensorflow/tfjs-core')).env().set('PROD', true);
  return runCli(argv, {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    tty: process.stderr.isTTY === true,
  });
}

function isEntry(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntry()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`inferscope: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
