// `npm run bench` runs every benchmark; `npm run bench -- <name> [...]` runs the named ones.
// A benchmark is bench/<name>.bench.ts, run in its own Node process; it prints one JSON line
// per case: {"bench","case","value","unit","baseline","ratio","target","pass"}.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const all = readdirSync(here).filter((f) => f.endsWith('.bench.ts')).map((f) => f.slice(0, -'.bench.ts'.length)).sort();
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${all.join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const name of wanted.length ? wanted : all) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, `${name}.bench.ts`)], { stdio: 'inherit' });
  if (r.status !== 0) { failed++; console.error(`bench ${name} exited with ${r.status}`); }
}
process.exit(failed ? 1 : 0);
