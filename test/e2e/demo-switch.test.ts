// A model switch that fails keeps the model that works (#13.5): on the evaluation page in
// Debian's Chromium, digits (stable) runs and reads a drawn digit; then switching to the float32
// channel fails in every way a person meets (offline with that version not cached, 404 for
// model.json or a shard, an HTML page for a shard, shards corrupted or cut short, generated).
// Each time the person sees, beside the picker, what failed and what to do, the picker still
// shows the running model, and that model still reads the same digit. Then the switch works,
// with both layers models alive during the load (tfjs-layers names their variables per engine).
// And on a fresh page, a pick that fails while an older version is cached says that one runs.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import type { BrowserContext, Page, Route } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drawOnPad, pickModel, startDemoStack, type DemoStack } from '../support/demo-server.js';
import { drawings, type Drawing } from '../support/digit-strokes.js';

const MODELS = resolve(process.env.INFERSCOPE_MODELS_DIR ?? 'models');
const TARGET = '**/models/digits/1.0.0/float32/';
let stack: DemoStack;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  mkdirSync('artifacts', { recursive: true });
  stack = await startDemoStack({ app: 'switch', key: 'pk_switch_test', adminToken: 'switch-admin-token-0123456789abcdef', modelsDir: MODELS });
  // No service worker: page.route must see every request (the worker only serves the page's own files).
  context = await stack.browser.newContext({ viewport: { width: 1280, height: 1000 }, serviceWorkers: 'block' });
  page = await context.newPage();
  page.on('pageerror', (e) => console.error('[page error]', e.message));
  await page.goto(`${stack.demo.url}/`);
  await page.waitForSelector('body[data-ready="true"]');
});

afterAll(async () => { await stack?.close(); });

/** Draw one generated drawing on the pad; the digit the page reads. */
const draw = (d: Drawing) => drawOnPad(page, d.strokes);

/** Press Load and wait until the button is back (the load finished, either way). */
async function load(): Promise<void> {
  await page.click('#load');
  await page.waitForSelector('#load:enabled', { timeout: 120_000 });
}

const tensors = async () => Number(/(\d+) tensors/.exec((await page.textContent('#memory')) ?? '')?.[1]);

/** A shard's bytes changed the way a broken disk, proxy or upload changes them (generated). */
const damage = fc.oneof(
  // Where in the file, in ten-thousandths; how much of it arrives, in percent.
  fc.record({ kind: fc.constant('flip' as const), at: fc.integer({ min: 0, max: 9_999 }), xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), keep: fc.integer({ min: 0, max: 99 }) }),
);
type Damage = typeof damage extends fc.Arbitrary<infer T> ? T : never;
function damaged(body: Buffer, d: Damage): Buffer {
  if (d.kind === 'cut') return body.subarray(0, Math.floor((body.length * d.keep) / 100));
  const out = Buffer.from(body);
  const i = Math.floor((out.length * d.at) / 10_000);
  out[i] = out[i]! ^ d.xor;
  return out;
}

interface Failure { name: string; why: RegExp; start(): Promise<void> }
const route = (glob: string, handler: (r: Route) => Promise<void>) => async () => { await page.route(glob, handler); };
const FAILURES: Failure[] = [
  {
    name: 'offline, version not cached', why: /^Could not download digits 1\.0\.0\+float32: the network is offline\. Reconnect and pick it again;/,
    start: async () => { await context.setOffline(true); },
  },
  { name: '404 for model.json', why: /^Could not download digits 1\.0\.0\+float32: the server has no such file \(404\)\./, start: route(`${TARGET}model.json`, (r) => r.fulfill({ status: 404, body: 'not found' })) },
  { name: '404 for the shard', why: /^Could not download digits 1\.0\.0\+float32: the server has no such file \(404\)\./, start: route(`${TARGET}*.bin`, (r) => r.fulfill({ status: 404, body: 'not found' })) },
  {
    name: 'an HTML page for the shard', why: /^Could not verify digits 1\.0\.0\+float32: a downloaded file is not the one the manifest lists/,
    start: route(`${TARGET}*.bin`, (r) => r.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><html><body>Welcome to our app</body></html>' })),
  },
  ...fc.sample(damage, { seed: 13, numRuns: 4 }).map((d): Failure => ({
    name: `shard damaged ${JSON.stringify(d)}`, why: /^Could not verify digits 1\.0\.0\+float32: a downloaded file is not the one the manifest lists/,
    start: route(`${TARGET}*.bin`, async (r) => {
      const res = await r.fetch();
      await r.fulfill({ response: res, body: damaged(await res.body(), d) });
    }),
  })),
];

describe('switching models on the evaluation page', () => {
  let running = '';
  let drawing: Drawing;
  let digit = '';
  let before = 0;

  it('runs digits (stable) and reads a drawn digit', async () => {
    await pickModel(page, 'digits');
    await page.uncheck('#backend-webgpu'); // software WebGPU/WebGL here: slow, and not what this test is about
    await page.uncheck('#backend-webgl');
    await load();
    running = /runs digits@(\S+) /.exec((await page.textContent('#model-info')) ?? '')?.[1] ?? '';
    expect(running).toMatch(/^1\.\d\.0\+uint8$/); // stable, or its 10 % rollout candidate
    drawing = drawings({ perStyle: 1 }).find((d) => d.digit === '3')!;
    digit = await draw(drawing);
    expect(digit).toBe('3');
    before = await tensors();
    expect(before).toBeGreaterThan(0);
  }, 180_000);

  for (const f of FAILURES) {
    it(`keeps it when the switch fails: ${f.name}`, async () => {
      await pickModel(page, 'digits', 'float32');
      await f.start();
      try {
        await load();
      } finally {
        await context.setOffline(false);
        await page.unrouteAll({ behavior: 'wait' });
      }
      // Beside the picker: what failed, why, what to do, and what still runs.
      expect(await page.isVisible('#model-error')).toBe(true);
      const text = (await page.textContent('#model-error-text'))!;
      expect(text).toMatch(f.why);
      expect(text).toContain(`digits ${running} is still loaded.`);
      expect(text).not.toMatch(/Failed to fetch/);
      // The SDK's detail names the file and the code.
      expect(await page.textContent('#model-error-detail')).toMatch(/^[A-Z_]+: .*float32/);
      // The picker and the model section still show the model that runs, and it still reads the digit.
      expect(await page.$eval('#model-select', (s) => (s as HTMLSelectElement).selectedOptions[0]!.textContent)).toMatch(/^digits — stable/);
      expect(await page.textContent('#model-info')).toContain(`runs digits@${running} `);
      if (f === FAILURES[0]) await page.screenshot({ path: 'artifacts/demo-switch-failed.png', fullPage: true });
      expect(await draw(drawing)).toBe(digit);
    }, 180_000);
  }

  it('switches once float32 can load: the new model reads the digit, the old one is gone', async () => {
    await pickModel(page, 'digits', 'float32');
    await load();
    expect(await page.isVisible('#model-error')).toBe(false);
    expect(await page.textContent('#model-info')).toContain('runs digits@1.0.0+float32 ');
    expect(await page.$eval('#model-select', (s) => (s as HTMLSelectElement).selectedOptions[0]!.textContent)).toMatch(/^digits — float32/);
    expect(await draw(drawing)).toBe(digit);
    // The same architecture: the old model's weights were freed, not kept beside the new ones.
    expect(await tensors()).toBeLessThan(before * 1.5);
    await page.screenshot({ path: 'artifacts/demo-switch.png', fullPage: true });
  }, 180_000);

  it('on a page with no model yet, says when the last version that worked runs instead of the pick, and shows that one in the picker', async () => {
    page = await context.newPage(); // same profile: float32 and uint8 are cached, float16 never was
    await page.goto(`${stack.demo.url}/`);
    await page.waitForSelector('body[data-ready="true"]');
    await pickModel(page, 'digits', 'float16');
    await page.uncheck('#backend-webgpu');
    await page.uncheck('#backend-webgl');
    await page.route('**/models/digits/1.0.0/float16/model.json', (r) => r.fulfill({ status: 404, body: 'not found' }));
    await load();
    expect(await page.textContent('#model-error-text')).toMatch(
      /^Could not download digits 1\.0\.0\+float16: the server has no such file \(404\)\. .*; digits 1\.0\.0\+float32, the last version that worked here, runs instead \(from the cache\)\.$/);
    expect(await page.textContent('#model-info')).toContain('runs digits@1.0.0+float32 ');
    expect(await page.$eval('#model-select', (s) => (s as HTMLSelectElement).selectedOptions[0]!.textContent)).toMatch(/^digits — float32/);
    expect(await draw(drawing)).toBe(digit);
  }, 180_000);
});
