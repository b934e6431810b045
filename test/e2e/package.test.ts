// The npm package as a user gets it: `npm pack`, unpack into a consumer app's node_modules,
// then type-check and run a tiny consumer against it (ESM import + types resolve through the
// exports map; the SDK runs in Node on the cpu backend). Needs `npm run build` first
// (scripts/test.sh runs it).
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureFixtures } from '../support/fixtures.js';
import { REPO_ROOT, serveStatic, type StaticServer } from '../support/fixtures-server.js';

// Inside the repository so the consumer resolves tfjs & co. from the root node_modules,
// as a hoisted install would; `inferscope` itself comes only from the packed tarball.
const WORK = join(REPO_ROOT, '.tmp');
let app: string;
let files: string[];
let server: StaticServer;

beforeAll(async () => {
  if (!existsSync(join(REPO_ROOT, 'dist/index.js')) || !existsSync(join(REPO_ROOT, 'dist/types/index.d.ts'))) {
    execFileSync('node', ['scripts/build.mjs'], { cwd: REPO_ROOT, stdio: 'inherit' });
  }
  mkdirSync(WORK, { recursive: true });
  app = mkdtempSync(join(WORK, 'consumer-'));
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', app], { cwd: REPO_ROOT, encoding: 'utf8' }));
  files = packed[0].files.map((f: { path: string }) => f.path);
  const pkgDir = join(app, 'node_modules/inferscope');
  mkdirSync(pkgDir, { recursive: true });
  execFileSync('tar', ['-xzf', join(app, packed[0].filename), '-C', pkgDir, '--strip-components=1']);
  await ensureFixtures();
  server = await serveStatic();
}, 300_000);

afterAll(async () => {
  await server?.close();
  if (app) rmSync(app, { recursive: true, force: true });
});

describe('npm package', () => {
  test('holds what users need and nothing else', () => {
    for (const f of ['package.json', 'README.md', 'dist/index.js', 'dist/types/index.d.ts', 'dist/inferscope.iife.js',
      'dist/tfjs-backend-wasm-simd.wasm', 'dist/tfjs-backend-wasm-threaded-simd.wasm', 'bin/inferscope.js',
      'dist/proxy.js', 'dist/types/proxy.d.ts', 'dist/worker.js', 'dist/inferscope.worker.js', // worker mode (test/e2e/npm-worker.test.ts)
      'dist/serve.js', 'dist/types/serve.d.ts']) { // 'inferscope/worker' (test/e2e/app-worker.test.ts)
      expect(files).toContain(f);
    }
    const stray = files.filter((f) => /^(src|test|bench|models|demo|deploy|scripts|\.ci)\//.test(f) || /\.tsbuildinfo$|node_modules/.test(f));
    expect(stray).toEqual([]);
  });

  test('an ESM consumer type-checks against the packed types and runs a model', async () => {
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module', private: true }));
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: true, noEmit: true, lib: ['ES2022', 'DOM'] },
      files: ['app.ts'],
    }));
    writeFileSync(join(app, 'app.ts'), `
import { createClient, InferScopeError, type Prediction } from 'inferscope';
const url: string = process.argv[2]!;
const client = createClient({ backends: ['cpu'], telemetry: false });
const model = await client.load({ url });
const r: Prediction = await model.predict(new Float32Array([0.5, 0.5, 0.5, 0.5]));
try { await model.predict(new Float32Array(3)); } catch (e) { if (e instanceof InferScopeError) console.log('code', e.code); }
console.log(JSON.stringify({ backend: model.backend, shape: r.shape, n: r.data.length }));
await client.dispose();
`);
    execFileSync(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', app], { cwd: app, stdio: 'pipe' });
    // Run the same code as plain JS (the type annotations stripped).
    const js = readFileSync(join(app, 'app.ts'), 'utf8').replace(', type Prediction', '').replace(': string', '').replace('!;', ';').replace(': Prediction', '');
    writeFileSync(join(app, 'app.mjs'), js);
    // Async: the static server answering the model files runs in this process.
    const { stdout: out } = await promisify(execFile)(process.execPath, ['app.mjs', `${server.url}/.tmp/fixtures/layers-float32/model.json`], { cwd: app, encoding: 'utf8' });
    expect(out).toContain('code INPUT_SHAPE');
    const last = JSON.parse(out.trim().split('\n').at(-1)!);
    expect(last).toEqual({ backend: 'cpu', shape: [1, 3], n: 3 });
  });
});
