// The dashboard's release timeline in Chromium: the current state of each release and its
// decisions newest first, with runs of holds folded into one line.
import { chromium, type Browser } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestCollector, testConfig, type TestCollector } from './helpers.js';
import { fastReleases, releaseBatch, writeManifest } from './release-support.js';

let c: TestCollector;
let browser: Browser;

beforeAll(async () => {
  c = await startTestCollector({ config: testConfig({ releases: fastReleases() }), manifest: writeManifest() });
  // Too little candidate traffic: the release holds a few times, then an admin promotes it.
  expect((await c.post(releaseBatch({ n: 60 }, { n: 5 }))).status).toBe(200);
  const end = Date.now() + 60_000; // only ends a hang (CI load)
  const evaluations = async () => ((await (await fetch(`${c.url}/v1/releases/digits`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { decisions: { repeats: number }[] }).decisions.reduce((n, d) => n + d.repeats, 0);
  while (await evaluations() < 3) {
    if (Date.now() > end) throw new Error('no evaluations');
    await new Promise((r) => setTimeout(r, 100));
  }
  expect((await fetch(`${c.url}/v1/releases/digits/stable/promote`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } })).status).toBe(200);
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
});
afterAll(async () => { await browser?.close(); await c?.close(); });

describe('dashboard release timeline', () => {
  it('shows the promoted state, the admin promotion and the folded holds', async () => {
    const page = await browser.newPage();
    await page.goto(`${c.url}/#token=${ADMIN}`);
    await page.waitForSelector('body[data-ready="1"]', { timeout: 90_000 });
    const state = await page.locator('#releases tr.release-state').innerText();
    expect(state).toMatch(/now\s+stable \/ 1\.1\.0\s+promoted\s+100 %\s+steps 10, 50, 100 %/);
    const decisions = await page.locator('#releases tr.release-decision').allInnerTexts();
    expect(decisions).toHaveLength(2);
    expect(decisions[0]).toMatch(/stable \/ 1\.1\.0\s+promote \(admin\)\s+10 → 100 %\s+promote by admin/);
    expect(decisions[1]).toMatch(/hold ×\d+\s+10 %\s+error rate: waiting for 40 on each side \(candidate 5, stable 60\)/);
    await page.close();
  });
});

describe('dashboard: a candidate that waits for an admin start', () => {
  it('lists it with its 0 % and the route that starts it, instead of "no release yet"', async () => {
    const steps = { steps: [10, 50, 100], minPredictions: 40, minStepSeconds: 0 };
    const col = await startTestCollector({ config: testConfig({ releases: fastReleases({ defaults: { start: 'admin', ...steps } }) }), manifest: writeManifest() });
    try {
      expect((await col.post(releaseBatch({ n: 60 }, { n: 5 }))).status).toBe(200);
      const page = await browser.newPage();
      await page.goto(`${col.url}/#token=${ADMIN}`);
      await page.waitForSelector('body[data-ready="1"]', { timeout: 90_000 });
      expect(await page.locator('#releases tr.release-unstarted').innerText()).toMatch(/now\s+stable \/ 1\.1\.0\s+waits for an admin start\s+0 %\s+steps 10, 50, 100 % \(POST \/v1\/releases\/digits\/stable\/start\)/);
      expect(await page.locator('#releases tr.release-decision').count()).toBe(0);
      await page.close();
    } finally {
      await col.close();
    }
  });
});
