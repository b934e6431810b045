// A small RFC 4180 CSV reader that remembers where every cell came from, so errors
// can say "data.csv:17:3". Quoted fields, doubled quotes, CRLF; no multi-line cells.

export interface CsvTable {
  header: string[];
  /** Data rows; `line` is the 1-based line number in the file. */
  rows: { line: number; cells: string[] }[];
}

export function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') (cur += '"'), i++;
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"' && cur === '') quoted = true;
    else if (c === ',') cells.push(cur), (cur = '');
    else cur += c;
  }
  cells.push(cur);
  return cells.map((s) => s.trim());
}

export function parseCsv(text: string): CsvTable {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '');
  const rows: CsvTable['rows'] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i]!.trim() === '') continue;
    rows.push({ line: i + 1, cells: splitCsvLine(lines[i]!) });
  }
  return { header, rows };
}
