// SDK code size, minified + brotli, without tfjs (DESIGN target: <= 15 KB).
// Bundles src/index.ts the way an app's bundler would (tfjs external, everything else in,
// lazy chunks included) and sums every chunk. Baseline: the 15 KB budget itself, so the
// ratio reads as "share of the budget"; tfjs-core + converter (what the SDK rides on) is
// printed for scale in the same run.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, constants } from 'node:zlib';
import { build } from 'vite';

const BUDGET = 15 * 1024;
const brotli = (b: Buffer) => brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;

async function bundle(entry: string, external: (string | RegExp)[]): Promise<{ total: number; entry: number; chunks: number }> {
  const out = mkdtempSync(join(tmpdir(), 'inferscope-size-'));
  try {
    await build({
      configFile: false, logLevel: 'silent',
      build: {
        outDir: out, minify: true, sourcemap: false, write: true,
        lib: { entry, formats: ['es'], fileName: 'entry' },
        rollupOptions: { external },
      },
    });
    const files = readdirSync(out).filter((f) => f.endsWith('.js'));
    const sizes = files.map((f) => ({ f, b: brotli(readFileSync(join(out, f))) }));
    return { total: sizes.reduce((a, s) => a + s.b, 0), entry: sizes.find((s) => s.f.startsWith('entry'))?.b ?? 0, chunks: files.length };
  } finally { rmSync(out, { recursive: true, force: true }); }
}

const sdk = await bundle('src/index.ts', [/^@tensorflow\//]);
const sdkNoDeps = await bundle('src/index.ts', [/^@tensorflow\//, 'idb', /^web-vitals/]);
const line = (c: string, value: number, note: Record<string, unknown> = {}) => console.log(JSON.stringify({
  bench: 'size', case: c, value, unit: 'bytes (min+brotli)', baseline: BUDGET, ratio: +(value / BUDGET).toFixed(3),
  target: '<= 15 KB (ratio <= 1.0)', pass: value <= BUDGET, ...note,
}));
line('sdk-all-chunks-with-idb-web-vitals', sdk.total, { entryChunk: sdk.entry, chunks: sdk.chunks });
line('sdk-own-code-only', sdkNoDeps.total, { entryChunk: sdkNoDeps.entry, chunks: sdkNoDeps.chunks });
