#!/usr/bin/env node
// `npm run build`: every artefact the package ships.
//   dist/index.js, dist/protocol.js      ESM library (tfjs external)      vite.config.ts
//   dist/inferscope.iife.js + *.wasm     CDN bundle (global InferScope)   vite.cdn.config.ts
//   dist/inferscope.worker.js            worker-mode worker (CDN): entry     vite.worker.config.ts
//     + dist/worker-chunks/*.js            what it import()s (tfjs, SDK, one chunk per backend)
//   dist/worker.js                       worker-mode worker (npm): one file  vite.worker.config.ts
//   dist/node/cli.js, collector.js       Node CLI and collector           vite.node.config.ts
//   dist/types/                          declarations                     tsconfig.build.json
// Prints the SRI hashes of the CDN files (the bundle's goes in <script integrity>; a Worker has no
// integrity attribute, so the worker's and its chunks' are for whoever mirrors the files to check them).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, readdirSync, existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const only = process.argv.slice(2);
const want = (part) => only.length === 0 || only.includes(part);
const run = (cmd, args) => execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });

// A full build starts clean so no stale chunk ships in the package.
if (only.length === 0) rmSync('dist', { recursive: true, force: true });
if (want('lib')) run('npx', ['vite', 'build', '--logLevel', 'warn']);
if (want('cdn')) {
  run('npx', ['vite', 'build', '--config', 'vite.cdn.config.ts', '--logLevel', 'warn']);
  const wasmDir = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
    copyFileSync(join(wasmDir, 'dist', f), join('dist', f));
  }
}
if (want('worker')) {
  rmSync('dist/worker-chunks', { recursive: true, force: true }); // hashed names: no stale chunk
  run('npx', ['vite', 'build', '--config', 'vite.worker.config.ts', '--logLevel', 'warn']);
  execFileSync('npx', ['vite', 'build', '--config', 'vite.worker.config.ts', '--logLevel', 'warn'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, INFERSCOPE_WORKER: 'single' } });
}
const chunks = existsSync('dist/worker-chunks') ? readdirSync('dist/worker-chunks').sort().map((f) => `dist/worker-chunks/${f}`) : [];
for (const f of ['dist/inferscope.iife.js', 'dist/inferscope.worker.js', ...chunks]) {
  if (!existsSync(f) || !(want('cdn') || want('worker'))) continue;
  const bytes = readFileSync(f);
  const sri = `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
  console.log(`${f}  ${(bytes.length / 1024).toFixed(0)} KiB  integrity="${sri}"`);
}
if (want('node') && existsSync('src/cli/main.ts')) run('npx', ['vite', 'build', '--config', 'vite.node.config.ts', '--logLevel', 'warn']);
if (want('types')) run('npx', ['tsc', '-p', 'tsconfig.build.json']);
