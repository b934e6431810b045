// Progressive delivery end to end, every part real and windows compressed (evaluation every
// 300 ms, no minimum step time): the collector (SQLite) serves the live manifest, Chromium pages
// ("devices" with fixed install ids, so their rollout buckets are known) load digits through
// it, predict labelled samples, send the true labels back and flush telemetry. Three models
// list the same stable version with different candidates:
//   digits-good:  1.1.0 advances 20 % -> 60 % -> promoted; pages move by revalidation;
//   digits-worse: stable's weights with 20 % of the bytes randomized (74 % accurate) is rolled
//                 back on the fed-back labels, and its page returns to stable;
//   digits-throws: a graph model whose Reshape cannot hold the input loads fine (the cpu
//                 backend needs no warm-up) and throws at every predict: rolled back on errors;
//   digits-quiet: too little traffic: it waits, neither promoted nor rolled back.
// Both modes (describe.each below): the pages run the client in direct mode, then in worker mode
// (the SDK's worker script), each against a collector of its own so each release starts fresh;
// the decisions, versions served and errors must be the same.
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/collector/config.js';
import { startCollector, type RunningCollector } from '../../src/collector/server.js';
import { rolloutBucket } from '../../src/protocol/manifest.js';
import type { Manifest, ModelVersion as ModelManifestEntry } from '../../src/protocol/manifest-types.js';
import { bundleScript, startApp, workerScript } from './telemetry-harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = join(here, '../..');
const ADMIN = 'release-e2e-admin-token-0123456789';
const KEY = 'pk_release_e2e_01';

let dir: string;
let app: { url: string; close(): Promise<void> };
let collector: RunningCollector; // this mode's (describe.each below)
let browser: Browser;
let query = ''; // '?mode=worker' in worker mode
const contexts: BrowserContext[] = []; // the devices of the running test, closed after it

/** The first install ids (dev-0, dev-1, …) whose bucket for `model` falls in [lo, hi) percent. */
function installIdIn(model: string, lo: number, hi: number, skip = 0): string {
  for (let i = 0, found = 0; ; i++) {
    const b = rolloutBucket(`dev-${i}`, model) / 100;
    if (b >= lo && b < hi && found++ === skip) return `dev-${i}`;
  }
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'inferscope-release-e2e-'));
  const base = JSON.parse(readFileSync(join(ROOT, 'models/manifest.json'), 'utf8')) as Manifest;
  const digits = base.models.digits!;
  for (const v of ['1.0.0', '1.1.0']) cpSync(join(ROOT, `models/digits/${v}/uint8`), join(dir, `digits/${v}/uint8`), { recursive: true });
  cpSync(join(ROOT, 'models/digits/samples.json'), join(dir, 'samples.json'));
  // The worse candidate: stable's uint8 weights with a seeded 20 % of the bytes randomized.
  cpSync(join(ROOT, 'models/digits/1.0.0/uint8'), join(dir, 'digits/worse'), { recursive: true });
  const bin = join(dir, 'digits/worse/group1-shard1of1.bin');
  const bytes = readFileSync(bin);
  let s = 12345;
  const rnd = () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32);
  for (let i = 0; i < bytes.length; i++) if (rnd() < 0.2) bytes[i] = Math.floor(rnd() * 256);
  writeFileSync(bin, bytes);
  const stable = digits.versions['1.0.0+uint8']!;
  const worse: ModelManifestEntry = { ...stable, url: 'digits/worse/model.json', files: stable.files.map((f) => (f.path.endsWith('.bin') ? { ...f, sha256: sha(bytes), bytes: bytes.length } : f)) };
  const throws = await throwingGraphModel(join(dir, 'digits/throws'));
  const digitsIn = stable.inputs[0]!;
  const digitsOut = stable.outputs[0]!;
  const thrower: ModelManifestEntry = { url: 'digits/throws/model.json', format: 'graph-model', quantization: 'none', files: throws, inputs: [{ ...digitsIn, name: 'x' }], outputs: [{ ...digitsOut, name: 'out' }] };
  const entry = (candidate: string): Manifest['models'][string] => ({
    versions: { '1.0.0+uint8': stable, '1.1.0+uint8': digits.versions['1.1.0+uint8']!, '1.2.0-worse': worse, '1.3.0-throws': thrower },
    channels: { stable: { version: '1.0.0+uint8', candidate: { version: candidate, percent: 0 } } },
  });
  const manifest: Manifest = { schemaVersion: 1, models: { 'digits-good': entry('1.1.0+uint8'), 'digits-worse': entry('1.2.0-worse'), 'digits-quiet': entry('1.1.0+uint8'), 'digits-throws': entry('1.3.0-throws') } };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));

  const [js, worker] = await Promise.all([bundleScript(join(here, 'release-page.ts')), workerScript()]);
  app = await startApp({ '/app.js': js, '/worker.js': worker }, dir);
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update'] });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A fresh collector (SQLite, its own file) serving the live manifest, for one mode. */
async function startReleaseCollector(mode: string): Promise<RunningCollector> {
  const config = validateConfig({
    adminToken: ADMIN,
    apps: [{ id: 'e2e', keys: [KEY], origins: [app.url] }],
    releases: {
      intervalSeconds: 0.3, manifestMaxAgeSeconds: 0, modelBaseUrl: `${app.url}/static/`,
      defaults: {
        steps: [20, 60, 100], minPredictions: 30, minStepSeconds: 0,
        // Latency is real here but the machine is shared: generous ratios, so timing noise never decides.
        checks: { errors: { minSamples: 30 }, latency: { minSamples: 20, maxP50Ratio: 20, maxP95Ratio: 20 }, shift: { minSamples: 30 }, accuracy: { minLabels: 30, required: true }, loads: { minSamples: 3 } },
      },
      // The worse candidate is judged on its answers, not on which classes it favours.
      policies: { 'digits-worse/stable': { checks: { shift: { maxJs: 1 } } } },
    },
  });
  return startCollector({ config, port: 0, db: join(dir, `c-${mode}.sqlite`), manifest: join(dir, 'manifest.json') });
}

/** x [-1,28,28,1] -> Reshape to [-1, 10] -> Softmax: 784 values do not split into rows of 10, so every predict throws. */
async function throwingGraphModel(out: string) {
  mkdirSync(out, { recursive: true });
  const dim = (...d: number[]) => ({ dim: d.map((s) => ({ size: String(s) })) });
  const json = JSON.stringify({
    format: 'graph-model', generatedBy: 'inferscope test', convertedBy: 'hand',
    modelTopology: {
      node: [
        { name: 'x', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: dim(-1, 28, 28, 1) } } },
        { name: 'shape', op: 'Const', attr: { dtype: { type: 'DT_INT32' }, value: { tensor: { dtype: 'DT_INT32', tensorShape: dim(2) } } } },
        { name: 'flat', op: 'Reshape', input: ['x', 'shape'], attr: { T: { type: 'DT_FLOAT' }, Tshape: { type: 'DT_INT32' } } },
        { name: 'out', op: 'Softmax', input: ['flat'], attr: { T: { type: 'DT_FLOAT' } } },
      ],
      versions: { producer: 1 },
    },
    weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: [{ name: 'shape', shape: [2], dtype: 'int32' }] }],
  });
  const bin = new Uint8Array(Int32Array.from([-1, 10]).buffer);
  writeFileSync(join(out, 'model.json'), json);
  writeFileSync(join(out, 'group1-shard1of1.bin'), bin);
  return [{ path: 'model.json', sha256: sha(Buffer.from(json)), bytes: Buffer.byteLength(json) }, { path: 'group1-shard1of1.bin', sha256: sha(bin), bytes: bin.byteLength }];
}

interface Device { page: Page; id: string; run(n: number): Promise<string> }

async function device(model: string, installId: string): Promise<Device> {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(`${app.url}/${query}`);
  await page.waitForFunction(() => 'device' in globalThis);
  const opts = { manifestUrl: `${collector.url}/v1/manifest`, endpoint: `${collector.url}/v1/batches?key=${KEY}`, installId, model, samplesUrl: `${app.url}/static/samples.json` };
  await page.evaluate((o) => (globalThis as unknown as { device: { start(x: typeof o): Promise<string> } }).device.start(o), opts);
  // The mode really is the one named: the SDK's worker took the client (or none was asked for).
  expect(await page.evaluate(() => (globalThis as unknown as { device: { events(): string[] } }).device.events().includes('worker-started'))).toBe(query !== '');
  return { page, id: installId, run: (n) => page.evaluate((k) => (globalThis as unknown as { device: { run(k: number): Promise<string> } }).device.run(k), n) };
}

interface ReleaseView { releases: { status: string; percent: number }[]; decisions: { decision: string; toPercent: number; reason: string; repeats: number; inputs: { checks?: { name: string; status: string }[] } }[] }
const view = async (model: string) => (await (await fetch(`${collector.url}/v1/releases/${model}`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as ReleaseView;

async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, ms = 45_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v).slice(0, 800)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Predict in small rounds until the device serves `version` (revalidation loads it in the background). */
const moveTo = (d: Device, version: string) => until(`${d.id} to serve ${version}`, () => d.run(2), (v) => v === version);

// A shared 2-core machine can slow Chromium down several times over: generous per-test limits.
const LIMIT = 150_000;

describe.each([{ mode: 'direct', q: '' }, { mode: 'worker', q: '?mode=worker' }])('releases driven by live telemetry from Chromium pages, $mode mode', ({ mode, q }) => {
  beforeAll(async () => {
    query = q;
    collector = await startReleaseCollector(mode);
  }, 180_000);
  afterAll(async () => { await collector?.close(); });
  afterEach(async () => { for (const c of contexts.splice(0)) await c.close().catch(() => {}); });

  it('advances a good candidate to 100 % and every page moves to it by revalidation', async () => {
    const m = 'digits-good';
    const [a, b, c] = await Promise.all([device(m, installIdIn(m, 0, 20)), device(m, installIdIn(m, 20, 60)), device(m, installIdIn(m, 60, 100))]);
    expect([await a.run(0), await b.run(0), await c.run(0)]).toEqual(['1.1.0+uint8', '1.0.0+uint8', '1.0.0+uint8']);
    for (const d of [a, b, c]) await d.run(40);
    await until('the advance to 60 %', () => view(m), (v) => v.releases[0]?.percent === 60);
    await moveTo(b, '1.1.0+uint8');
    expect(await c.run(1)).toBe('1.0.0+uint8');
    for (const d of [a, b, c]) await d.run(40);
    await until('the promotion', () => view(m), (v) => v.releases[0]?.status === 'promoted');
    await moveTo(c, '1.1.0+uint8');
    expect([await a.run(1), await b.run(1)]).toEqual(['1.1.0+uint8', '1.1.0+uint8']);
    const v = await view(m);
    expect(v.decisions.filter((d) => d.decision !== 'hold').reverse().map((d) => [d.decision, d.toPercent])).toEqual([['advance', 60], ['promote', 100]]);
    const manifest = await (await fetch(`${collector.url}/v1/manifest`)).json();
    expect(manifest.models[m].channels.stable).toEqual({ version: '1.1.0+uint8' });
  }, LIMIT);

  it('rolls back a candidate that answers worse on fed-back labels; its page returns to stable', async () => {
    const m = 'digits-worse';
    const [a, c] = await Promise.all([device(m, installIdIn(m, 0, 20)), device(m, installIdIn(m, 20, 100))]);
    expect([await a.run(0), await c.run(0)]).toEqual(['1.2.0-worse', '1.0.0+uint8']);
    for (let i = 0; i < 3 && (await view(m)).releases[0]?.status !== 'rolled_back'; i++) for (const d of [a, c]) await d.run(40);
    const v = await until('the rollback', () => view(m), (x) => x.releases[0]?.status === 'rolled_back');
    const rollback = v.decisions.find((d) => d.decision === 'rollback')!;
    expect(rollback.reason).toMatch(/wrong answers on fed-back labels/);
    expect(rollback.inputs.checks!.find((ch) => ch.name === 'accuracy')!.status).toBe('fail');
    expect(v.decisions.some((d) => d.decision === 'advance' || d.decision === 'promote')).toBe(false);
    await moveTo(a, '1.0.0+uint8');
    const manifest = await (await fetch(`${collector.url}/v1/manifest`)).json();
    expect(manifest.models[m].channels.stable).toMatchObject({ version: '1.0.0+uint8', killSwitch: true });
    const metrics = await (await fetch(`${collector.url}/metrics`)).text();
    expect(metrics).toMatch(/^inferscope_release_decisions_total\{model="digits-worse",channel="stable",decision="rollback"\} 1$/m);
  }, LIMIT);

  it('rolls back a candidate that throws at predict; its page returns to stable', async () => {
    const m = 'digits-throws';
    const [a, c] = await Promise.all([device(m, installIdIn(m, 0, 20)), device(m, installIdIn(m, 20, 100))]);
    expect([await a.run(0), await c.run(0)]).toEqual(['1.3.0-throws', '1.0.0+uint8']);
    for (const d of [a, c]) await d.run(40);
    expect(await a.page.evaluate(() => (globalThis as unknown as { device: { errors(): string[] } }).device.errors().length)).toBe(40);
    const v = await until('the rollback', () => view(m), (x) => x.releases[0]?.status === 'rolled_back');
    expect(v.decisions.find((d) => d.decision === 'rollback')!.reason).toMatch(/error rate: candidate 100\.00% vs stable 0\.00%/);
    await moveTo(a, '1.0.0+uint8');
    expect(await a.run(5)).toBe('1.0.0+uint8');
  }, LIMIT);

  it('holds a candidate with too little traffic: it waits, neither promoted nor rolled back', async () => {
    const m = 'digits-quiet';
    const [a, c] = await Promise.all([device(m, installIdIn(m, 0, 20)), device(m, installIdIn(m, 20, 100))]);
    for (const d of [a, c]) await d.run(10);
    // The release has been evaluated every 300 ms since the collector started; wait for one that saw both pages' data.
    const seen = await until('an evaluation of both pages\' data', () => view(m), (x) => /error rate: waiting for 30 on each side \(candidate 10, stable 10\)/.test(x.decisions[0]?.reason ?? ''));
    // Several more evaluations on the same data, counted (a fixed 1.5 s could hold fewer on a loaded machine).
    const evaluations = (x: ReleaseView) => x.decisions.reduce((n, d) => n + d.repeats, 0);
    const v = await until('four more evaluations on the same data', () => view(m), (x) => evaluations(x) >= evaluations(seen) + 4);
    // Identical holds fold into one record (repeats counts the evaluations it stands for).
    expect(v.decisions.reduce((n, d) => n + d.repeats, 0)).toBeGreaterThanOrEqual(5);
    expect(v.decisions.every((d) => d.decision === 'hold')).toBe(true);
    expect(v.releases[0]).toMatchObject({ status: 'running', percent: 20 });
    expect(await a.run(1)).toBe('1.1.0+uint8');
  }, LIMIT);
});
