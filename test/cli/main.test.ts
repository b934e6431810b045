// The `inferscope` entry: help on every command, usage errors, and the real process.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { commands } from '../../src/cli/commands.js';
import { cli } from './cli-helpers.js';

test.each(commands.map((c) => [c.name]))('"%s --help" prints its usage and exits 0', async (name) => {
  const r = await cli(...name.split(' '), '--help');
  expect(r.code).toBe(0);
  expect(r.out).toContain(`inferscope ${name}`);
  expect(r.out).toMatch(/--help/);
});

test('no command lists the commands (exit 2); an unknown one says so', async () => {
  const none = await cli();
  expect(none.code).toBe(2);
  for (const c of commands) expect(none.out).toContain(c.name);
  const unknown = await cli('quantise');
  expect(unknown.code).toBe(2);
  expect(unknown.err).toContain('unknown command "quantise"');
});

test('unknown flags are usage errors that point at --help', async () => {
  const r = await cli('baseline', 'x.csv', '--modle', 'a@1');
  expect(r.code).toBe(2);
  expect(r.err).toContain("Unknown option '--modle'");
  expect(r.err).toContain('inferscope baseline --help');
});

test('runs as a process: exit code and message on stderr', () => {
  const root = join(import.meta.dirname, '../..');
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'quantize', 'no/such/model.json', '--dtype', 'uint8', '--out', '/tmp/inferscope-never'], { cwd: root, encoding: 'utf8' });
  expect(r.status).toBe(1);
  expect(r.stderr).toContain('no/such/model.json: cannot read: no such file');
  expect(r.stdout).toBe('');
});
