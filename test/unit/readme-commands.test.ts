// The README's `inferscope …` command lines, as a newcomer pastes them: each names a subcommand
// that exists, and every --flag it passes is one that subcommand's --help documents. Lines come
// from ```sh blocks and from inline code that starts with the command; a bare `--flag` in the
// Collector section is a collector flag. Failures name the README line.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/commands.js';
import { USAGE as COLLECTOR_USAGE } from '../../src/collector/usage.js';
import { fencedBlocks, sectionRange } from '../support/readme-blocks.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

interface Use { line: number; text: string }

/** `npx inferscope …`, `inferscope …`, `npx inferscope-collector …` lines, comments cut. */
function commandLines(): Use[] {
  const out: Use[] = [];
  const blocks = fencedBlocks(readme);
  for (const b of blocks.filter((x) => x.lang === 'sh')) {
    b.code.split('\n').forEach((l, i) => out.push({ line: b.line + i, text: l.replace(/\s#.*$/, '').trim() }));
  }
  // Inline code outside the fences; a span may wrap onto the next line.
  const lines = readme.split('\n');
  for (const b of blocks) for (let i = b.line - 2; i <= b.line - 1 + b.code.split('\n').length; i++) lines[i] = '';
  const prose = lines.join('\n');
  for (const m of prose.matchAll(/`([^`]+)`/g)) {
    out.push({ line: prose.slice(0, m.index).split('\n').length, text: m[1]!.replace(/\s+/g, ' ').trim() });
  }
  return out.filter((u) => /^(npx )?inferscope(-collector)? /.test(u.text));
}

const helpOf = (name: string) => (name === 'collector' ? COLLECTOR_USAGE : commands.find((c) => c.name === name)!.help);

function problems(use: Use, name: string | undefined, rest: string): string[] {
  if (!name) return [`README.md:${use.line}: \`${use.text.slice(0, 60)}\` names no inferscope subcommand (${commands.map((c) => c.name).join(', ')})`];
  const help = helpOf(name);
  return [...rest.matchAll(/(?<![\w-])--[a-z][a-z0-9-]*/g)]
    .map((m) => m[0])
    .filter((flag) => !new RegExp(`(^|[\\s,\\[])${flag}(?![\\w-])`, 'm').test(help))
    .map((flag) => `README.md:${use.line}: \`inferscope ${name}\` has no ${flag} (its --help does not list it)`);
}

describe('README inferscope command lines', () => {
  it('name a subcommand and only the flags its --help documents', () => {
    const uses = commandLines();
    expect(uses.length).toBeGreaterThanOrEqual(8);
    const byLength = [...commands].sort((a, b) => b.name.split(' ').length - a.name.split(' ').length);
    const bad: string[] = [];
    for (const use of uses) {
      const args = use.text.replace(/^(npx )?/, '');
      if (args.startsWith('inferscope-collector')) { bad.push(...problems(use, 'collector', args.slice('inferscope-collector'.length))); continue; }
      const after = args.slice('inferscope'.length).trim();
      const cmd = byLength.find((c) => after === c.name || after.startsWith(c.name + ' '));
      bad.push(...problems(use, cmd?.name, cmd ? after.slice(cmd.name.length) : after));
    }
    expect(bad).toEqual([]);
  });

  it('a bare `--flag` in the Collector section is a collector flag', () => {
    const [from, to] = sectionRange(readme, '## Collector');
    const bad: string[] = [];
    readme.split('\n').forEach((l, i) => {
      if (i + 1 < from || i + 1 >= to) return;
      for (const m of l.matchAll(/`(--[a-z][a-z0-9-]*)`/g)) {
        if (!new RegExp(`(^|\\s)${m[1]}(?![\\w-])`, 'm').test(COLLECTOR_USAGE)) bad.push(`README.md:${i + 1}: ${m[1]} is not an \`inferscope collector\` flag`);
      }
    });
    expect(bad).toEqual([]);
  });
});
