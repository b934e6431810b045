// Read README.md the way a newcomer does: its fenced code blocks (also the ones indented inside
// list items) and its option tables, each with the README line it starts on, so a failing check
// can point at the line to fix.

export interface Block {
  /** Fence info string: 'ts', 'json', 'sh', … ('' for a bare fence). */
  lang: string;
  /** README line (1-based) of the block's first code line. */
  line: number;
  /** Columns of list indentation removed from every line (add back for a README column). */
  indent: number;
  code: string;
}

/** Every fenced block, in order. Throws on a fence that is never closed (the rest would be swallowed). */
export function fencedBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^( *)```([\w-]*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    const pad = ' '.repeat(indent);
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^ *```\s*$/.test(lines[j]!); j++) {
      const l = lines[j]!;
      body.push(l.startsWith(pad) ? l.slice(indent) : l.trimStart());
    }
    if (j === lines.length) throw new Error(`README.md:${i + 1}: a \`\`\`${open[2]} block is never closed`);
    out.push({ lang: open[2]!, line: i + 2, indent, code: body.join('\n') });
    i = j;
  }
  return out;
}

export interface Row {
  /** The first cell's first `code` span, e.g. `privacy.epsilon` or 'auto' (quotes kept). */
  name: string;
  line: number;
}

/**
 * Rows of the first table after the heading whose text starts with `heading` (before the next
 * heading). Throws when there is no such heading or table: a renamed section must fail loudly.
 */
export function tableAfter(markdown: string, heading: string): Row[] {
  const lines = markdown.split('\n');
  const h = lines.findIndex((l) => /^#{1,6} /.test(l) && l.replace(/^#+ /, '').startsWith(heading));
  if (h < 0) throw new Error(`README.md has no heading starting "${heading}"`);
  let i = h + 1;
  while (i < lines.length && !lines[i]!.startsWith('|')) {
    if (/^#{1,6} /.test(lines[i]!)) throw new Error(`README.md:${h + 1}: no table under "${heading}"`);
    i++;
  }
  const rows: Row[] = [];
  for (i += 2; i < lines.length && lines[i]!.startsWith('|'); i++) {
    const cell = lines[i]!.split('|')[1]!;
    const name = /`([^`]+)`/.exec(cell)?.[1];
    if (!name) throw new Error(`README.md:${i + 1}: the first cell names no \`option\`: ${cell.trim().slice(0, 60)}`);
    rows.push({ name, line: i + 1 });
  }
  return rows;
}

/** Lines [from, to) of the section under the `## heading` (up to the next heading of that level or higher). */
export function sectionRange(markdown: string, heading: string): [number, number] {
  const lines = markdown.split('\n');
  const h = lines.findIndex((l) => l === heading);
  if (h < 0) throw new Error(`README.md has no heading "${heading}"`);
  const level = /^#+/.exec(heading)![0].length;
  let end = h + 1;
  for (let fenced = false; end < lines.length; end++) {
    const l = lines[end]!;
    if (/^ *```/.test(l)) fenced = !fenced; // a `# comment` in a shell block is no heading
    else if (!fenced && /^#+ /.test(l) && /^#+/.exec(l)![0].length <= level) break;
  }
  return [h + 1, end + 1];
}
