// Reads labelled or unlabelled examples for a model from CSV or JSON, checked against
// what the model takes: named tabular features, or a fixed number of values per example
// (images). Every problem names the file and where in it: "file:line:column" for CSV,
// the JSON path for JSON.
import { readFile } from 'node:fs/promises';
import { InferScopeError } from '../sdk/errors.js';
import { parseCsv } from './csv.js';
import { parseJsonText } from './json-file.js';

export interface ExampleSpec {
  /** Values per example (product of the input shape without the batch dimension). */
  size: number;
  /** Tabular models: the column / key name of each value, in input order. */
  features?: string[];
  /** Column / key holding the label (default "label"). */
  labelKey?: string;
}

export interface Examples {
  /** n × size values, row-major; float64 so baseline edges are the numbers the file holds. */
  values: Float64Array;
  n: number;
  /** One label per example (as text), or undefined where the file has none. */
  labels: (string | undefined)[];
  /** Label names from a samples file's "labels" field, in output order. */
  labelNames?: string[];
}

const bad = (msg: string): never => {
  throw new InferScopeError('INPUT_INVALID', msg);
};

function toNumber(raw: unknown, where: string, name: string): number {
  const v = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    return bad(`${where}: ${name}: ${raw === '' || raw === undefined ? 'empty' : JSON.stringify(raw)} is not a number`);
  }
  return v;
}

function fromCsv(file: string, text: string, spec: ExampleSpec): Examples {
  const { header, rows } = parseCsv(text);
  const labelKey = spec.labelKey ?? 'label';
  const labelCol = header.indexOf(labelKey);
  let cols: number[];
  let names: string[];
  if (spec.features) {
    names = spec.features;
    cols = names.map((f) => {
      const i = header.indexOf(f);
      if (i < 0) bad(`${file}:1:${header.length + 1}: missing column "${f}" (the header has: ${header.join(', ')}; the model needs: ${names.join(', ')})`);
      return i;
    });
  } else {
    // Image-like inputs: columns pixel0..pixelN-1 when present, otherwise every non-label column in order.
    if (header.includes('pixel0')) {
      names = Array.from({ length: spec.size }, (_, i) => `pixel${i}`);
      cols = names.map((f) => (header.indexOf(f) >= 0 ? header.indexOf(f) : bad(`${file}:1:${header.length + 1}: missing column "${f}" (${spec.size} pixel columns needed)`)));
    } else {
      cols = header.map((_, i) => i).filter((i) => i !== labelCol);
      names = cols.map((i) => header[i]!);
      if (cols.length !== spec.size) bad(`${file}:1:1: expected ${spec.size} value columns (plus an optional "${labelKey}"), found ${cols.length}`);
    }
  }
  const values = new Float64Array(rows.length * spec.size);
  const labels: (string | undefined)[] = [];
  rows.forEach(({ line, cells }, r) => {
    cols.forEach((c, k) => {
      if (c >= cells.length) bad(`${file}:${line}:${c + 1}: missing cell for column "${names[k]}" (the row has ${cells.length} cells)`);
      values[r * spec.size + k] = toNumber(cells[c], `${file}:${line}:${c + 1}`, `column "${names[k]}"`);
    });
    labels.push(labelCol >= 0 && cells[labelCol] !== '' ? cells[labelCol] : undefined);
  });
  if (rows.length === 0) bad(`${file}: no data rows below the header`);
  return { values, n: rows.length, labels };
}

function fromJson(file: string, text: string, spec: ExampleSpec): Examples {
  const doc = parseJsonText(text, file) as unknown;
  const labelKey = spec.labelKey ?? 'label';
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const list = Array.isArray(doc) ? doc : isObj(doc) && Array.isArray(doc.samples) ? doc.samples : bad(`${file}: expected an array of examples or an object with a "samples" array`);
  const base = Array.isArray(doc) ? '' : 'samples';
  const values = new Float64Array(list.length * spec.size);
  const labels: (string | undefined)[] = [];
  list.forEach((row: unknown, r: number) => {
    const where = `${file}: ${base}[${r}]`;
    if (!isObj(row)) return bad(`${where}: expected an object`);
    if (Array.isArray(row.input)) {
      if (row.input.length !== spec.size) bad(`${where}.input: expected ${spec.size} values, got ${row.input.length}`);
      row.input.forEach((v: unknown, k: number) => (values[r * spec.size + k] = toNumber(v, `${where}.input[${k}]`, 'value')));
    } else if (spec.features) {
      spec.features.forEach((f, k) => {
        if (!(f in row)) bad(`${where}: missing key "${f}" (the model needs: ${spec.features!.join(', ')})`);
        values[r * spec.size + k] = toNumber(row[f], `${where}.${f}`, `"${f}"`);
      });
    } else bad(`${where}: expected an "input" array of ${spec.size} values`);
    const label = row[labelKey];
    labels.push(label === undefined || label === null ? undefined : String(label));
  });
  if (list.length === 0) bad(`${file}: no examples`);
  const labelNames = isObj(doc) && Array.isArray(doc.labels) ? doc.labels.map(String) : undefined;
  return { values, n: list.length, labels, labelNames };
}

/** Reads examples from a .csv or .json file. */
export async function readExamples(file: string, spec: ExampleSpec): Promise<Examples> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return bad(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  return /\.csv$/i.test(file) ? fromCsv(file, text, spec) : fromJson(file, text, spec);
}
