// The shape every `inferscope` subcommand has, and the small helpers they share.
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Where a command writes: results to `out`, progress and errors to `err`. */
export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
  /** True when `err` is a terminal: progress may redraw one line. */
  tty?: boolean;
}

export interface Command {
  /** As typed after `inferscope`, e.g. "manifest add". */
  name: string;
  summary: string;
  /** Full `--help` text. */
  help: string;
  /** Returns the exit code. Throws UsageError for bad arguments, InferScopeError for bad input. */
  run(argv: string[], io: CliIO): Promise<number>;
}

/** Bad command-line arguments: exit code 2 and a pointer to --help. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs, strict, with failures turned into UsageError. */
export function parseFlags<O extends Options>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''));
  }
}

export function requireFlag(value: string | boolean | undefined, flag: string): string {
  if (typeof value !== 'string' || value === '') throw new UsageError(`missing ${flag}`);
  return value;
}

export function oneOfFlag<T extends string>(value: string | undefined, flag: string, allowed: readonly T[], fallback?: T): T {
  if (value === undefined && fallback !== undefined) return fallback;
  if (!allowed.includes(value as T)) throw new UsageError(`${flag} must be one of ${allowed.join(', ')}${value === undefined ? '' : `, got "${value}"`}`);
  return value as T;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(2)} MiB`;
}

/** Progress on stderr: one redrawn line on a terminal, one line per step otherwise. */
export function progress(io: CliIO, label: string) {
  let last = -1;
  return (done: number, total: number) => {
    const pct = total > 0 ? Math.floor((done / total) * 100) : 100;
    if (io.tty) {
      if (pct !== last) io.err(`\r${label} ${pct}%${done >= total ? '\n' : ''}`);
    } else if (pct !== last && (pct % 25 === 0 || done >= total)) {
      io.err(`${label} ${pct}%\n`);
    }
    last = pct;
  };
}
