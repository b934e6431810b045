// The README is the first code a newcomer runs: every ```ts block must compile against the SDK's
// real types, the option tables must list exactly the options the types have, and the collector
// config examples must be accepted by the collector. Each failure names the README line.
//
// One ts.Program type-checks all page blocks (DOM lib); blocks that import 'inferscope/worker' are a
// worker's own file and get a second program with the WebWorker lib (the two libs cannot share one
// program). The package's entry points resolve to their sources through package.json "exports"
// (dist/types/X.d.ts -> src/X.ts), so no build is needed and a renamed export fails here.
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/collector/config.js';
import { fencedBlocks, sectionRange, tableAfter, type Block } from '../support/readme-blocks.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = fencedBlocks(readme);
const tsBlocks = blocks.filter((b) => b.lang === 'ts');

// What the prose around the blocks implies a page has: a canvas to read, a token for its own
// fetch, and Vite's client types (`?url` imports), as the worker-mode block says "e.g. with Vite".
const PAGE_PRELUDE = '/// <reference types="vite/client" />\ndeclare const canvas: HTMLCanvasElement;\ndeclare const token: string;\n';
const WORKER_PRELUDE = 'declare const token: string;\n';

// Blocks that are fragments on purpose, by their first line, with the reason. Keep it empty where
// the README can be made valid instead; an entry that matches no block fails.
const FRAGMENTS = new Map<string, string>();

// Canary: proves the types are real (not `any` from a failed resolution), so a passing run means something.
const CANARY: Block = { lang: 'ts', line: 0, indent: 0, code: "import { createClient } from 'inferscope';\ncreateClient({ topK: 'three' });\n" };

/** package.json "exports" with types -> the source file each stands for, e.g. 'inferscope/worker' -> src/serve.ts. */
function entryPoints(): { sources: Map<string, string>; assets: Set<string> } {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; exports: Record<string, string | { types?: string }> };
  const sources = new Map<string, string>();
  const assets = new Set<string>();
  for (const [key, value] of Object.entries(pkg.exports)) {
    const spec = pkg.name + key.slice(1);
    if (typeof value === 'string') { assets.add(spec); continue; }
    if (!value.types) continue;
    sources.set(spec, join(root, value.types.replace(/^\.\/dist\/types\//, 'src/').replace(/\.d\.ts$/, '.ts')));
  }
  return { sources, assets };
}

const entries = entryPoints();
const virtual = (b: Block) => join(root, `README.md.L${b.line}.ts`);
const isWorkerFile = (b: Block) => /from\s+['"]inferscope\/worker['"]/.test(b.code);

function baseOptions(): ts.CompilerOptions {
  const cfg = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(cfg.config, ts.sys, root);
  return { ...options, noEmit: true, types: [], moduleDetection: ts.ModuleDetectionKind.Force, skipLibCheck: true };
}

const parsed = new Map<string, ts.SourceFile>(); // shared by both programs: src is parsed once

function typeCheck(files: Map<string, string>, lib: string[], roots: string[] = []): { program: ts.Program; diagnostics: ts.Diagnostic[] } {
  const options = { ...baseOptions(), lib };
  const host = ts.createCompilerHost(options, true);
  const readFile = host.readFile.bind(host);
  host.readFile = (f) => files.get(f) ?? readFile(f);
  host.fileExists = (f) => files.has(f) || ts.sys.fileExists(f);
  host.getSourceFile = (f, v) => {
    const text = files.get(f);
    if (text !== undefined) return ts.createSourceFile(f, text, v, true);
    let sf = parsed.get(f);
    if (!sf) {
      const t = ts.sys.readFile(f);
      if (t === undefined) return undefined;
      // JSDoc does not type TypeScript; only src's is read (its @internal tags). Skipping the
      // comments of lib.dom.d.ts, @types/node, tfjs and vite makes the parse several times faster.
      const jsDocParsingMode = f.startsWith(join(root, 'src')) ? ts.JSDocParsingMode.ParseAll : ts.JSDocParsingMode.ParseNone;
      sf = ts.createSourceFile(f, t, { ...(typeof v === 'object' ? v : { languageVersion: v }), jsDocParsingMode });
      parsed.set(f, sf);
    }
    return sf;
  };
  host.resolveModuleNameLiterals = (literals, containing, _redirect, opts) => literals.map(({ text }) => {
    const src = entries.sources.get(text);
    if (src) return { resolvedModule: { resolvedFileName: src, extension: ts.Extension.Ts, isExternalLibraryImport: false } };
    return ts.resolveModuleName(text, containing, opts, host);
  });
  const program = ts.createProgram([...files.keys(), ...roots], options, host);
  const diagnostics = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
  for (const f of files.keys()) {
    const sf = program.getSourceFile(f)!;
    diagnostics.push(...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf));
  }
  return { program, diagnostics };
}

/** "README.md:LINE:COL: TSxxxx message" for a diagnostic in a block (or the prelude / options). */
function where(d: ts.Diagnostic, byFile: Map<string, Block>): string {
  const text = ts.flattenDiagnosticMessageText(d.messageText, '\n  ');
  if (!d.file) return `TS${d.code}: ${text}`;
  const b = byFile.get(d.file.fileName);
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
  if (!b) return `${d.file.fileName}:${line + 1}:${character + 1}: TS${d.code}: ${text}`;
  return `${b === CANARY ? "canary" : "README.md"}:${b.line + line}:${b.indent + character + 1}: TS${d.code}: ${text}`;
}

function checkBlocks(list: Block[], lib: string[], prelude: string): { program: ts.Program; messages: string[] } {
  const files = new Map<string, string>([[join(root, `README.prelude.${lib.join('+')}.d.ts`), prelude]]);
  const byFile = new Map<string, Block>();
  for (const b of list) { files.set(virtual(b), b.code); byFile.set(virtual(b), b); }
  // The entry itself is a root too, so the tables below can read its exports from this program.
  const { program, diagnostics } = typeCheck(files, lib, [entries.sources.get('inferscope')!]);
  return { program, messages: diagnostics.map((d) => where(d, byFile)) };
}

// Both programs once, shared by the cases below.
let results: { page: string[]; worker: string[]; program: ts.Program } | undefined;
function compileAll() {
  if (results) return results;
  const checked = (b: Block) => !FRAGMENTS.has(b.code.split('\n')[0]!);
  const page = checkBlocks([...tsBlocks.filter((b) => !isWorkerFile(b) && checked(b)), CANARY], ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'], PAGE_PRELUDE);
  const worker = checkBlocks(tsBlocks.filter((b) => isWorkerFile(b) && checked(b)), ['lib.es2022.d.ts', 'lib.webworker.d.ts'], WORKER_PRELUDE);
  return (results = { page: page.messages, worker: worker.messages, program: page.program });
}

describe('README ```ts blocks', () => {
  it('finds the blocks, including the ones indented in list items', () => {
    expect(tsBlocks.length).toBeGreaterThanOrEqual(4);
    expect(tsBlocks.some((b) => b.indent > 0)).toBe(true);
    for (const first of FRAGMENTS.keys()) expect(tsBlocks.map((b) => b.code.split('\n')[0]), `FRAGMENTS entry "${first}" matches no block`).toContain(first);
  });

  it('every block type-checks as its own module against the package entry points', () => {
    const { page, worker } = compileAll();
    // The canary's one error is the proof the check is live; every other message is a README drift.
    const canary = page.filter((m) => m.startsWith("canary:"));
    expect(canary.length, `canary did not fail: the SDK types did not resolve\n${page.join('\n')}`).toBe(1);
    expect([...page.filter((m) => !canary.includes(m)), ...worker]).toEqual([]);
  }, 60_000);

  it('imports only what package.json exports', () => {
    const bad: string[] = [];
    for (const b of tsBlocks) {
      for (const m of b.code.matchAll(/from\s+['"](inferscope[^'"]*)['"]/g)) {
        const spec = m[1]!.replace(/\?.*$/, '');
        if (!entries.sources.has(spec) && !entries.assets.has(spec)) bad.push(`README.md:${b.line + b.code.slice(0, m.index).split('\n').length - 1}: '${m[1]}' is not in package.json "exports"`);
      }
    }
    for (const src of entries.sources.values()) expect(existsSync(src), `${src} (from package.json exports) is missing`).toBe(true);
    expect(bad).toEqual([]);
  });
});

// The option tables against the exported types, read with the compiler from the source: a new
// option without a README row fails, and so does a row for an option that is gone. Fields tagged
// @internal are not options a user sets.
describe('README option tables', () => {
  function publicProps(type: ts.Type, checker: ts.TypeChecker): Map<string, ts.Symbol> {
    const props = checker.getPropertiesOfType(type).filter((p) => !p.getJsDocTags(checker).some((t) => t.name === 'internal'));
    return new Map(props.map((p) => [p.name, p]));
  }
  /** The one object type in `T | false | undefined`. */
  function objectPart(type: ts.Type): ts.Type {
    const parts = (type.isUnion() ? type.types : [type]).filter((t) => t.flags & ts.TypeFlags.Object);
    expect(parts.length).toBe(1);
    return parts[0]!;
  }
  function exported(name: string): { checker: ts.TypeChecker; type: ts.Type } {
    const { program } = compileAll();
    const checker = program.getTypeChecker();
    const index = program.getSourceFile(entries.sources.get('inferscope')!)!;
    let sym = checker.getExportsOfModule(checker.getSymbolAtLocation(index)!).find((s) => s.name === name);
    expect(sym, `inferscope exports no ${name}`).toBeDefined();
    if (sym!.flags & ts.SymbolFlags.Alias) sym = checker.getAliasedSymbol(sym!);
    return { checker, type: checker.getDeclaredTypeOfSymbol(sym!) };
  }
  /** Rows vs fields, both ways; a row `a.b` documents field `a` and needs `b` inside it. */
  function drift(rows: { name: string; line: number }[], type: ts.Type, checker: ts.TypeChecker, what: string): string[] {
    const fields = publicProps(type, checker);
    const out: string[] = [];
    const documented = new Set<string>();
    for (const { name, line } of rows) {
      const [top, ...rest] = name.split('.');
      documented.add(top!);
      const field = fields.get(top!);
      if (!field) { out.push(`README.md:${line}: row \`${name}\` is not a field of ${what}`); continue; }
      let t = checker.getNonNullableType(checker.getTypeOfSymbol(field));
      for (const part of rest) {
        const inner = t.getProperty(part);
        if (!inner) { out.push(`README.md:${line}: row \`${name}\`: ${what}.${top} has no field ${part}`); break; }
        t = checker.getNonNullableType(checker.getTypeOfSymbol(inner));
      }
    }
    for (const f of fields.keys()) if (!documented.has(f)) out.push(`README.md:${rows[0]!.line}: ${what}.${f} has no row in the table`);
    return out;
  }

  it('`createClient` options and `### Telemetry options` list exactly the fields of ClientOptions and ClientOptions["telemetry"]', () => {
    const { checker, type } = exported('ClientOptions');
    const telemetry = objectPart(checker.getTypeOfSymbol(type.getProperty('telemetry')!));
    expect([
      ...drift(tableAfter(readme, 'Client options'), type, checker, 'ClientOptions'),
      ...drift(tableAfter(readme, 'Telemetry options'), telemetry, checker, 'ClientOptions.telemetry'),
    ]).toEqual([]);
  }, 60_000);

  it('`### Backend policies` lists exactly the BackendPolicy values, and the error paragraph every ErrorCode', () => {
    const literals = (name: string) => {
      const { type } = exported(name);
      return (type.isUnion() ? type.types : [type]).map((t) => (t as ts.StringLiteralType).value).sort();
    };
    expect(tableAfter(readme, 'Backend policies').map((r) => r.name.replace(/^'|'$/g, '')).sort()).toEqual(literals('BackendPolicy'));
    const errors = readme.split('\n\n').find((p) => p.startsWith('Errors are one class'));
    expect(errors, 'README paragraph "Errors are one class…" is gone').toBeDefined();
    expect([...errors!.matchAll(/`([A-Z][A-Z_]+)`/g)].map((m) => m[1]).sort()).toEqual(literals('ErrorCode'));
  }, 60_000);
});

// The collector config examples are what people paste into collector.json: the collector's own
// validator must accept them (it refuses unknown fields). A `releases` example is one section of
// that file and is checked inside a minimal config.
describe('README collector config examples', () => {
  it('every ```json block under "## Collector" is accepted by validateConfig', () => {
    const [from, to] = sectionRange(readme, '## Collector');
    const json = blocks.filter((b) => b.lang === 'json' && b.line >= from && b.line < to);
    expect(json.length).toBeGreaterThanOrEqual(2);
    const minimal = { apps: [{ id: 'shop', keys: ['pk_shop_readme'], origins: ['*'] }], adminToken: 'a'.repeat(16) };
    const bad: string[] = [];
    for (const b of json) {
      try {
        const parsed = JSON.parse(b.code) as Record<string, unknown>;
        validateConfig('apps' in parsed ? parsed : { ...minimal, ...parsed });
      } catch (err) {
        // Point at the field the collector names (its `field`, e.g. apps[0].keys), where the block has it.
        const key = /(\w+)\W*$/.exec(String((err as { field?: string }).field ?? ''))?.[1];
        const at = key ? b.code.indexOf(`"${key}"`) : -1;
        bad.push(`README.md:${b.line + (at < 0 ? 0 : b.code.slice(0, at).split('\n').length - 1)}: ${(err as Error).message}`);
      }
    }
    expect(bad).toEqual([]);
  });
});
