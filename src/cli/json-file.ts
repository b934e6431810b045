// JSON files with errors that say where: "file:line:column: what is wrong".
import { readFile } from 'node:fs/promises';
import { InferScopeError, type ErrorCode } from '../sdk/errors.js';

/** 1-based line and column of a character offset in `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, offset));
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/** Parses JSON text; a syntax error names file, line and column. */
export function parseJsonText(text: string, file: string, code: ErrorCode = 'INPUT_INVALID'): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    // V8 reports "... at position N" (and newer versions "(line L column C)").
    const pos = /position (\d+)/.exec(msg);
    const where = pos ? lineColumn(text, Number(pos[1])) : text.trim() === '' ? { line: 1, column: 1 } : undefined;
    const loc = where ? `${file}:${where.line}:${where.column}` : file;
    const why = text.trim() === '' ? 'the file is empty' : msg.replace(/\s*(in JSON )?at position \d+.*$/, '');
    throw new InferScopeError(code, `${loc}: invalid JSON: ${why}`, { cause: err });
  }
}

/** Reads and parses a JSON file; a missing file or bad JSON throws `code` with the location. */
export async function parseJsonFile(file: string, code: ErrorCode = 'INPUT_INVALID'): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new InferScopeError(code, `${file}: cannot read: ${e.code === 'ENOENT' ? 'no such file' : e.message}`, { cause: err });
  }
  return parseJsonText(text, file, code);
}
