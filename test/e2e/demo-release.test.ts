// The demo page publishes its digits candidate as a person would, in Chromium, against a real
// collector with the release policy npm start gives it (DEMO_RELEASES): the page holds no admin
// token (not in its source, not in /demo-config.json, the proxy adds none to release routes), a
// wrong token is refused, the right one signs in, Publish moves the candidate from 0 % to the
// first step in the live manifest, and the timeline shows the start, then the collector's first
// decision with the check that decided it.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_RELEASES } from '../../src/collector/releases/demo-policy.js';
import { validateReleases } from '../../src/collector/releases/policy.js';
import { startDemoStack, type DemoStack } from '../support/demo-server.js';

const ADMIN = 'release-demo-admin-token-0123456789';
const MODELS = resolve(process.env.INFERSCOPE_MODELS_DIR ?? 'models');
const LONG = 90_000;

let stack: DemoStack;
let page: Page;

beforeAll(async () => {
  stack = await startDemoStack({ app: 'demo', key: 'pk_release_demo_test', adminToken: ADMIN, modelsDir: MODELS, releases: validateReleases(DEMO_RELEASES) });
  page = await (await stack.browser.newContext({ viewport: { width: 1280, height: 1000 } })).newPage();
  page.on('pageerror', (e) => console.error('[page error]', e.message));
  await page.goto(`${stack.demo.url}/`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: LONG });
}, 180_000);
afterAll(async () => { await stack?.close(); });

const candidate = async () => {
  const m = await (await fetch(`${stack.demo.url}/collector/v1/manifest`)).json() as { models: { digits: { channels: { stable: { candidate?: { version: string; percent: number } } } } } };
  return m.models.digits.channels.stable.candidate;
};

describe('demo page: publish the digits candidate', () => {
  it('never hands the admin token to the page; release routes need the one the person types', async () => {
    expect(await (await fetch(`${stack.demo.url}/demo-config.json`)).text()).not.toContain(ADMIN);
    expect(await page.content()).not.toContain(ADMIN);
    expect((await fetch(`${stack.demo.url}/collector/v1/releases/digits`)).status).toBe(401);
    expect((await fetch(`${stack.demo.url}/collector/v1/releases/digits/stable/start`, { method: 'POST' })).status).toBe(401);
    expect(await candidate()).toEqual({ version: '1.1.0+uint8', percent: 0 });
  });

  it('signs in, publishes, and shows the percent step and the timeline', async () => {
    await page.fill('#release-token', 'not-the-admin-token-0000000000');
    await page.click('#release-signin-button');
    await page.waitForSelector('#release-status.error', { timeout: LONG });
    expect(await page.textContent('#release-status')).toMatch(/not the admin token/);
    expect(await page.isVisible('#release-publish')).toBe(false);
    expect(await page.isVisible('#release-signout')).toBe(false);

    await page.fill('#release-token', ADMIN);
    await page.click('#release-signin-button');
    await page.waitForSelector('#release-publish:visible', { timeout: LONG });
    expect(await page.textContent('#release-state')).toMatch(/candidate 1\.1\.0\+uint8 is not published \(0 % of installs\); steps 10 → 50 → 100 %/);
    expect(await page.textContent('#release-publish')).toBe('Publish 1.1.0+uint8');
    expect(await page.inputValue('#release-token')).toBe(''); // the typed token does not stay in the form
    expect(await page.isVisible('#release-token')).toBe(false);
    expect(await page.isVisible('#release-signout')).toBe(true);

    await page.click('#release-publish');
    await page.waitForFunction(() => document.querySelector('#release-percent')?.textContent === '10 %', undefined, { timeout: LONG });
    expect(await page.textContent('#release-state')).toMatch(/candidate 1\.1\.0\+uint8 running at 10 %/);
    expect(await page.isVisible('#release-publish')).toBe(false);
    const start = page.locator('#release-decisions tr[data-kind="start"]');
    expect(await start.innerText()).toMatch(/start\s+0 → 10 %\s+admin\s+start by admin/);
    expect(await candidate()).toEqual({ version: '1.1.0+uint8', percent: 10 }); // what devices revalidate

    // The collector evaluates every 5 s; with no telemetry yet its first decision waits on the
    // required checks, and the page (refreshing every 5 s) names them.
    const waiting = page.locator('#release-decisions tr[data-kind="waiting"]');
    await waiting.waitFor({ timeout: LONG });
    expect(await waiting.locator('.release-check').innerText()).toMatch(/errors, latency/);
    expect(await waiting.innerText()).toMatch(/10 %/);
    mkdirSync('artifacts', { recursive: true });
    await page.locator('#release-section').screenshot({ path: 'artifacts/demo-release.png' }); // for people reviewing the page

    // A second Publish (another tab, a stale page) is refused: the release already runs.
    expect((await fetch(`${stack.demo.url}/collector/v1/releases/digits/stable/start`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } })).status).toBe(409);
    // A reload keeps the sign-in for this tab and shows the same timeline.
    await page.reload();
    await page.waitForSelector('#release-decisions tr[data-kind="start"]', { timeout: LONG });
  }, 240_000);
});
