// The dashboard's release controls in Chromium, driven as an operator would against a real
// collector process on SQLite: sign in, start a release that waits for an admin, pause,
// resume, a refusal from the API shown as such, roll back (after a first "no" at the
// confirmation), resume and promote, and a rotated admin token is refused without changing
// the release.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchProfile, type Browser } from '../support/chromium.js';
import { freePort } from '../support/ports.js';
import { ADMIN, KEY_SHOP, testConfig } from './helpers.js';
import { releaseBatch, writeManifest } from './release-support.js';
import { spawnCollector, type CollectorProcess } from './spawn.js';

const ROTATED = 'rotated-admin-token-9876543210';
const dir = mkdtempSync(join(tmpdir(), 'inferscope-release-controls-'));
let proc: CollectorProcess | null = null;
let browser: Browser;
let args: string[];

/** Config file: start by an admin, and steps that never advance by themselves in this test. */
function writeConfig(adminToken: string): string {
  const file = join(dir, `collector-${adminToken.slice(0, 7)}.json`);
  writeFileSync(file, JSON.stringify({
    ...testConfig({ adminToken }),
    releases: { intervalSeconds: 0.5, manifestMaxAgeSeconds: 1, defaults: { start: 'admin', steps: [10, 50, 100], minPredictions: 1_000_000, minStepSeconds: 3600 } },
  }));
  return file;
}

async function release(token = ADMIN) {
  const r = await fetch(`${proc!.url}/v1/releases/digits`, { headers: { authorization: `Bearer ${token}` } });
  return (await r.json()) as { releases: { status: string; percent: number }[]; decisions: { decision: string; actor: string }[] };
}

const buttons = (page: Page, row: string) => page.locator(`#releases ${row} button.release-action`).allInnerTexts();

async function press(page: Page, row: string, label: string, status: string) {
  await page.locator(`#releases ${row} button.release-action`, { hasText: label }).click();
  await page.waitForSelector(`#releases tr.release-state[data-status="${status}"]`, { timeout: 90_000 });
}

beforeAll(async () => {
  const port = await freePort();
  args = ['--db', join(dir, 'c.sqlite'), '--manifest', writeManifest(), '--port', String(port)];
  proc = await spawnCollector([...args, '--config', writeConfig(ADMIN)]);
  // The model must have reported to be listed on the dashboard.
  const sent = await fetch(`${proc.url}/v1/batches?key=${KEY_SHOP}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(releaseBatch({ n: 60 }, { n: 0 })) });
  expect(sent.status).toBe(200);
  browser = await launchProfile('inferscope-release-controls-');
}, 180_000); // spawnCollector alone allows 90 s on a loaded machine (was 60 s for all of this)
afterAll(async () => { await browser?.close(); await proc?.kill(); rmSync(dir, { recursive: true, force: true }); });

describe('dashboard release controls', () => {
  it('start, pause, resume, roll back and promote from the dashboard; a wrong token changes nothing', async () => {
    const page = await browser.context.newPage();
    await page.goto(proc!.url);
    await page.waitForSelector('body[data-ready="signin"]', { timeout: 90_000 });
    await page.fill('#token', ADMIN);
    await page.click('#go');
    await page.waitForSelector('body[data-ready="1"]', { timeout: 90_000 });

    // Waiting for an admin start: only Start is offered.
    expect(await buttons(page, 'tr.release-unstarted')).toEqual(['Start']);
    await press(page, 'tr.release-unstarted', 'Start', 'running');
    expect(await page.locator('#release-result').innerText()).toMatch(/start digits\/stable 1\.1\.0: the release is running at 10 %/);
    expect(await buttons(page, 'tr.release-state')).toEqual(['Pause', 'Promote', 'Roll back']);

    await press(page, 'tr.release-state', 'Pause', 'paused');
    expect(await page.locator('#releases tr.release-state').innerText()).toMatch(/stable \/ 1\.1\.0\s+paused\s+10 %/);
    expect(await page.locator('#releases tr.release-decision').first().innerText()).toMatch(/pause \(admin\)\s+10 %\s+pause by admin/);
    expect(await buttons(page, 'tr.release-state')).toEqual(['Resume', 'Promote', 'Roll back']);
    expect((await release()).releases[0]!.status).toBe('paused');

    await press(page, 'tr.release-state', 'Resume', 'running');
    expect(await page.locator('#releases tr.release-decision[data-decision="resume"]').innerText()).toMatch(/resume \(admin\)/);

    // Another admin pauses it by API while this page still shows it running: Pause here gets the
    // API's refusal, shown as such, and the view reloads to the state that is now true.
    expect((await fetch(`${proc!.url}/v1/releases/digits/stable/pause`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } })).status).toBe(200);
    await press(page, 'tr.release-state', 'Pause', 'paused');
    expect(await page.locator('#release-result.bad').innerText()).toMatch(/pause digits\/stable 1\.1\.0 refused: cannot pause digits\/stable 1\.1\.0: the release is paused \(pause needs running\)/);
    await press(page, 'tr.release-state', 'Resume', 'running');

    // Roll back asks first; "Cancel" sends nothing.
    const dialogs: string[] = [];
    page.once('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
    const before = (await release()).decisions.filter((d) => d.actor === 'admin').length;
    await page.locator('#releases tr.release-state button', { hasText: 'Roll back' }).click();
    expect(dialogs[0]).toMatch(/Roll back digits\/stable 1\.1\.0\?/);
    expect((await release()).releases[0]!.status).toBe('running');
    expect((await release()).decisions.filter((d) => d.actor === 'admin')).toHaveLength(before);

    page.once('dialog', (d) => { dialogs.push(d.message()); void d.accept(); });
    await press(page, 'tr.release-state', 'Roll back', 'rolled_back');
    expect(dialogs).toHaveLength(2);
    expect(await page.locator('#releases tr.release-decision').first().innerText()).toMatch(/rollback \(admin\)\s+10 → 0 %/);
    expect(await buttons(page, 'tr.release-state')).toEqual(['Resume']);
    // The kill switch reaches devices: the live manifest no longer offers the candidate.
    const live = (await (await fetch(`${proc!.url}/v1/manifest`)).json()) as { models: { digits: { channels: { stable: { version: string; killSwitch?: boolean; candidate?: { percent: number } } } } } };
    expect(live.models.digits.channels.stable).toMatchObject({ version: '1.0.0', killSwitch: true, candidate: { percent: 0 } });

    // Resume starts it over at its first step; Promote (confirmed) makes it the channel's version.
    await press(page, 'tr.release-state', 'Resume', 'running');
    expect(await page.locator('#releases tr.release-state').innerText()).toMatch(/running\s+10 %/);
    page.once('dialog', (d) => { dialogs.push(d.message()); void d.accept(); });
    await press(page, 'tr.release-state', 'Promote', 'promoted');
    expect(dialogs[2]).toMatch(/Promote digits\/stable 1\.1\.0\?/);
    expect(await page.locator('#releases tr.release-decision').first().innerText()).toMatch(/promote \(admin\)\s+10 → 100 %/);
    expect(await buttons(page, 'tr.release-state')).toEqual(['Roll back']);
    const promoted = (await (await fetch(`${proc!.url}/v1/manifest`)).json()) as { models: { digits: { channels: { stable: unknown } } } };
    expect(promoted.models.digits.channels.stable).toEqual({ version: '1.1.0' });

    // The admin token is rotated (collector restarted on the same port and database) while the
    // page is open: Roll back is refused, the page says why and asks to sign in again.
    await proc!.kill();
    proc = await spawnCollector([...args, '--config', writeConfig(ROTATED)]);
    const admins = (await release(ROTATED)).decisions.filter((d) => d.actor === 'admin').length;
    page.once('dialog', (d) => { void d.accept(); });
    await page.locator('#releases tr.release-state button', { hasText: 'Roll back' }).click();
    await page.waitForSelector('#signin:not([hidden])', { timeout: 90_000 });
    expect(await page.locator('#signin-error').innerText()).toMatch(/the admin token is wrong/);
    expect(await page.locator('#board').isHidden()).toBe(true);
    const after = await release(ROTATED);
    expect(after.releases[0]!.status).toBe('promoted');
    expect((await (await fetch(`${proc!.url}/v1/manifest`)).json()).models.digits.channels.stable).toEqual({ version: '1.1.0' });
    expect(after.decisions.filter((d) => d.actor === 'admin')).toHaveLength(admins);
    await page.close();
  }, 180_000);
});
