// SDK code size, minified + brotli, without tfjs (DESIGN target: <= 15 KB).
// Bundles src/index.ts the way an app's bundler would (tfjs external, everything else in,
// lazy chunks split out) and reports two sums per configuration:
//   eager      = the entry chunk plus every chunk it imports statically: what a page downloads
//                for createClient() + load() + predict() with telemetry off;
//   all-chunks = every chunk, lazy ones included (telemetry when an endpoint is set, explain,
//                web-vitals): all SDK code a page can end up downloading. This is the figure the
//                DESIGN target means, and the only line whose `pass` is judged against 15 KB.
// Baseline: the 15 KB budget itself, so the ratio reads as "share of the budget".
import { brotliCompressSync, constants } from 'node:zlib';
import { build, type Rollup } from 'vite';

const BUDGET = 15 * 1024;
const brotli = (s: string) => brotliCompressSync(Buffer.from(s), { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;

async function bundle(entry: string, external: (string | RegExp)[]) {
  const res = await build({
    configFile: false, logLevel: 'silent',
    build: { write: false, minify: true, sourcemap: false, lib: { entry, formats: ['es'], fileName: 'entry' }, rollupOptions: { external } },
  });
  const chunks = (Array.isArray(res) ? res[0]! : res as Rollup.RollupOutput).output.filter((o): o is Rollup.OutputChunk => o.type === 'chunk');
  const bytes = new Map(chunks.map((c) => [c.fileName, brotli(c.code)]));
  const byName = new Map(chunks.map((c) => [c.fileName, c]));
  const eager = new Set<string>();
  const visit = (name: string) => {
    if (eager.has(name) || !byName.has(name)) return;
    eager.add(name);
    for (const i of byName.get(name)!.imports) visit(i);
  };
  visit(chunks.find((c) => c.isEntry)!.fileName);
  const sum = (names: Iterable<string>) => [...names].reduce((a, n) => a + bytes.get(n)!, 0);
  const lazy = chunks.filter((c) => !eager.has(c.fileName)).map((c) => `${c.name} ${bytes.get(c.fileName)}`);
  return { all: sum(bytes.keys()), eager: sum(eager), chunks: chunks.length, lazy };
}

const line = (c: string, value: number, judged: boolean, note: Record<string, unknown>) => console.log(JSON.stringify({
  bench: 'size', case: c, value, unit: 'bytes (min+brotli)', baseline: BUDGET, ratio: +(value / BUDGET).toFixed(3),
  target: judged ? '<= 15 KB (ratio <= 1.0); the DESIGN target' : 'reported only (not the DESIGN target)', pass: judged ? value <= BUDGET : null, ...note,
}));
// Own code only (idb and web-vitals external, as an app that already uses them), then with them.
const own = await bundle('src/index.ts', [/^@tensorflow\//, 'idb', /^web-vitals/]);
const withDeps = await bundle('src/index.ts', [/^@tensorflow\//]);
line('sdk-own-code-all-chunks', own.all, true, { chunks: own.chunks, lazyChunks: own.lazy });
line('sdk-own-code-eager', own.eager, false, { note: 'entry + static imports: createClient, load, predict; telemetry off' });
line('sdk-with-idb-web-vitals-all-chunks', withDeps.all, false, { chunks: withDeps.chunks, lazyChunks: withDeps.lazy });
line('sdk-with-idb-web-vitals-eager', withDeps.eager, false, {});
