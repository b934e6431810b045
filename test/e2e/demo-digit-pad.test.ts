// The draw pad of the evaluation page as people use it: every digit, several handwriting styles
// each (test/support/digit-strokes.ts generates them), drawn with the mouse on the pad's canvas
// in Debian's Chromium; the page's own prediction is read back. At least 90% must be read right,
// every digit included (a 7 was read as 2 or 3 when the pad squashed the whole canvas into 28x28).
// Also: Clear and a new stroke take the previous prediction, explanation and "why" line away.
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drawOnPad, pickModel, startDemoStack, type DemoStack } from '../support/demo-server.js';
import { drawings, type Drawing } from '../support/digit-strokes.js';

const MODELS = resolve(process.env.INFERSCOPE_MODELS_DIR ?? 'models');
let stack: DemoStack;
let page: Page;

beforeAll(async () => {
  mkdirSync('artifacts', { recursive: true });
  stack = await startDemoStack({ app: 'pad', key: 'pk_digit_pad_test', adminToken: 'pad-admin-token-0123456789abcdef', modelsDir: MODELS });
  page = await (await stack.browser.newContext({ viewport: { width: 1280, height: 1000 } })).newPage();
  page.on('pageerror', (e) => console.error('[page error]', e.message));
  await page.goto(`${stack.demo.url}/`);
  await page.waitForSelector('body[data-ready="true"]');
  await pickModel(page, 'digits');
  await page.uncheck('#backend-webgpu'); // software WebGPU/WebGL here: slow, and not what this test is about
  await page.uncheck('#backend-webgl');
  await page.click('#load');
  await page.waitForSelector('#digit-pad', { timeout: 60_000 });
  await page.locator('#digit-pad').scrollIntoViewIfNeeded();
});

afterAll(async () => { await stack?.close(); });

/** Draw one generated drawing on the pad; the digit the page reads. */
const draw = (d: Drawing) => drawOnPad(page, d.strokes);

describe('draw pad', () => {
  it('reads at least 90% of generated handwriting right, every digit and 7 included', async () => {
    const all = drawings({ perStyle: 2 });
    const misses: string[] = [];
    const perDigit = new Map<string, { n: number; right: number }>();
    for (const d of all) {
      const got = await draw(d);
      const c = perDigit.get(d.digit) ?? { n: 0, right: 0 };
      c.n++;
      if (got === d.digit) c.right++; else misses.push(`${d.digit} (${d.style}) read as ${got}`);
      perDigit.set(d.digit, c);
    }
    const right = all.length - misses.length;
    writeFileSync('artifacts/digit-pad-misses.txt', `${right}/${all.length} right\n${misses.join('\n')}\n`);
    expect(right / all.length, misses.join('; ')).toBeGreaterThanOrEqual(0.9);
    // No digit is mostly misread (the report was: every 7 read as 2 or 3).
    for (const [digit, c] of perDigit) expect(c.right / c.n, `digit ${digit}: ${misses.join('; ')}`).toBeGreaterThanOrEqual(0.5);
    expect(perDigit.get('7')!.right).toBeGreaterThanOrEqual(perDigit.get('7')!.n - 1);
  }, 600_000);

  it('drops the previous prediction, explanation and "why" line on Clear and on a new stroke', async () => {
    const [seven] = drawings({ perStyle: 1 }).filter((d) => d.digit === '7');
    await draw(seven!);
    await page.click('#try button:has-text("Explain")');
    await page.waitForFunction(() => /why "/.test(document.querySelector('#digit-status')?.textContent ?? ''), undefined, { timeout: 60_000 });
    expect(await page.locator('#try canvas[title^="saliency"]').count()).toBe(1);
    await page.screenshot({ path: 'artifacts/demo-pad-explained.png' });
    // A new stroke: what was shown belonged to the old drawing.
    const box = (await page.locator('#digit-pad').boundingBox())!;
    await page.mouse.move(box.x + 20, box.y + 20);
    await page.mouse.down();
    expect(await page.textContent('#digit-status')).toBe('');
    expect(await page.locator('#try canvas[title^="saliency"]').count()).toBe(0);
    expect(await page.locator('#digit-result .big').count()).toBe(0);
    await page.mouse.move(box.x + 60, box.y + 60);
    await page.mouse.up();
    await page.waitForSelector('#digit-result .big');
    // Clear, with an explanation of the new drawing on screen: all of it goes.
    await page.click('#try button:has-text("Explain")');
    await page.waitForFunction(() => /why "/.test(document.querySelector('#digit-status')?.textContent ?? ''), undefined, { timeout: 60_000 });
    await page.click('#digit-clear');
    expect(await page.locator('#digit-result .big').count()).toBe(0);
    expect(await page.textContent('#digit-status')).toBe('');
    expect(await page.locator('#try canvas[title^="saliency"]').count()).toBe(0);
  });
  it('with policy "auto" (the default), shows what the idle pass measured and runs on the fastest it found', async () => {
    expect(await page.inputValue('#policy')).toBe('auto');
    await page.check('#backend-wasm');
    await page.check('#backend-webgl'); // SwiftShader here: the pass has a slower backend to time
    await page.uncheck('#backend-webgpu');
    await page.uncheck('#backend-cpu');
    const before = await page.textContent('#model-info');
    await page.click('#load');
    await page.waitForFunction((old) => document.querySelector('#model-info')?.textContent !== old, before, { timeout: 120_000 });
    expect(await page.textContent('#backend-auto')).toMatch(/times the other ticked backends .* in idle time/);
    await page.locator('#digit-pad').scrollIntoViewIfNeeded();
    const [three] = drawings({ perStyle: 1 }).filter((d) => d.digit === '3');
    expect(await draw(three!)).toBe('3'); // the first prediction; the pass starts after it
    await page.waitForSelector('#backend-auto[data-timed]', { timeout: 180_000 });
    const timed = (await page.getAttribute('#backend-auto', 'data-timed'))!;
    const times = new Map([...timed.matchAll(/(\w+) ([\d.]+) ms/g)].map((m) => [m[1]!, Number(m[2])]));
    expect([...times.keys()].sort()).toEqual(['wasm', 'webgl']);
    const fastest = [...times].sort((a, b) => a[1] - b[1])[0]![0];
    // What the page says runs the model is what the pass measured fastest, and it still reads digits.
    expect(await page.getAttribute('#backend-auto', 'data-backend')).toBe(fastest);
    expect(await page.textContent('#model-info .big')).toBe(fastest);
    expect(await page.textContent('#backend-auto')).toMatch(new RegExp(`moved it from \\w+ to ${fastest}|${fastest} was already the fastest and stays`));
    expect(await draw(three!)).toBe('3');
    await page.screenshot({ path: 'artifacts/demo-auto.png', fullPage: true });
  }, 400_000);
});
