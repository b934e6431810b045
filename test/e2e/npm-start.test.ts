// `npm start` as a newcomer runs it (scripts/start.mjs as a child process, its printed URLs
// read from stdout), then Chromium opens what it printed:
// - the dashboard link from the first start still signs in after a restart (the admin token is
//   kept in the data folder with mode 600; a non-empty INFERSCOPE_ADMIN_TOKEN wins);
// - the script-tag example at its printed URL predicts real held-out digits with no edits and
//   shows labels, not probability arrays.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/demo-server.js';
import { freePort } from '../support/ports.js';

interface Started { child: ChildProcess; out: string; page: string; example: string; dashboard: string; token: string }

let dir: string;
let browser: Browser;
const running = new Set<ChildProcess>();

/** Run `npm start` (the script it runs) on free ports with its data in `dir`; resolves once it printed its URLs. */
async function start(env: Record<string, string | undefined>): Promise<Started> {
  const [port, collectorPort] = [await freePort(), await freePort()];
  const childEnv = { ...process.env, ...env };
  for (const k of Object.keys(childEnv)) if (childEnv[k] === undefined) delete childEnv[k];
  const child = spawn(process.execPath, ['scripts/start.mjs', '--port', String(port), '--collector-port', String(collectorPort), '--db', join(dir, 'collector.sqlite')],
    { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start printed no URLs in 240 s:\n${out}`)), 240_000);
    const read = (b: Buffer) => { out += b; if (out.includes('Ctrl-C stops both.')) { clearTimeout(timer); resolve(); } };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`npm start exited with ${code}:\n${out}`)); });
  });
  const line = (name: string) => new RegExp(`${name}:\\s+(\\S+)`).exec(out)?.[1] ?? '';
  const dashboard = /\(dashboard: (\S+)\)/.exec(out)?.[1] ?? '';
  return { child, out, page: line('demo page'), example: line('script tag'), dashboard, token: new URL(dashboard).hash.replace('#token=', '') };
}

async function stop(s: Started): Promise<void> {
  if (s.child.exitCode !== null) return;
  const exited = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGTERM');
  await exited;
  running.delete(s.child);
}

/** Open a printed dashboard link; resolves with what the person sees. */
async function openDashboard(url: string) {
  const page = await browser.newPage();
  await page.goto(url);
  await page.waitForSelector('body[data-ready]', { timeout: 90_000 });
  const seen = { ready: await page.getAttribute('body', 'data-ready'), signin: await page.isVisible('#signin'), status: await page.textContent('#status') };
  await page.close();
  return seen;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'inferscope-npm-start-'));
  browser = await launchChromium();
});

afterAll(async () => {
  for (const c of running) c.kill('SIGTERM');
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('keeps its admin token across restarts, so a bookmarked dashboard link keeps working', async () => {
    const first = await start({ INFERSCOPE_ADMIN_TOKEN: undefined });
    expect(first.token.length).toBeGreaterThanOrEqual(16);
    const file = join(dir, 'admin-token');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toBe(first.token);
    expect(first.out).toContain(file);
    await stop(first);

    // Restarted, with the variable present but empty (as `INFERSCOPE_ADMIN_TOKEN= npm start` sets it).
    const second = await start({ INFERSCOPE_ADMIN_TOKEN: '' });
    expect(second.token).toBe(first.token);
    const bookmarked = first.dashboard.replace(new URL(first.dashboard).host, new URL(second.dashboard).host); // ports are free ones here
    expect(await openDashboard(bookmarked)).toMatchObject({ ready: '1', signin: false, status: expect.stringMatching(/signed in/) });
    await stop(second);

    const third = await start({ INFERSCOPE_ADMIN_TOKEN: 'token-from-the-environment-0123' });
    expect(third.token).toBe('token-from-the-environment-0123');
    expect(readFileSync(file, 'utf8').trim()).toBe(first.token); // not written down
    const old = await openDashboard(first.dashboard.replace(new URL(first.dashboard).host, new URL(third.dashboard).host));
    expect(old).toMatchObject({ ready: 'error', signin: true, status: expect.stringMatching(/admin token is wrong/) });
    await stop(third);
  }, 600_000);

  it('serves the script-tag example at the URL it prints, and it predicts digits with labels as shipped', async () => {
    mkdirSync('artifacts', { recursive: true });
    const s = await start({});
    expect(s.example).toMatch(/\/examples\/script-tag\/$/);
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto(s.example);
    await page.waitForFunction(() => (window as { __result?: unknown }).__result, null, { timeout: 120_000 });
    const result = await page.evaluate(() => (window as unknown as { __result: { error?: string; message?: string; shown: { label: string; truth: string }[] } }).__result);
    expect(result.error, result.message).toBeUndefined();
    for (let i = 0; i < 9; i++) {
      await page.click('#next');
      await page.waitForFunction((n) => (window as unknown as { __result: { shown: unknown[] } }).__result.shown.length > n, i + 1);
    }
    const shown = await page.evaluate(() => (window as unknown as { __result: { shown: { label: string; truth: string }[] } }).__result.shown);
    expect(shown).toHaveLength(10);
    // Held-out digits: the shipped model reads at least 9 of 10 right.
    expect(shown.filter((x) => x.label === x.truth).length).toBeGreaterThanOrEqual(9);
    // What the person reads: a digit label and the top three as "label — percent", no raw arrays.
    expect(await page.textContent('#label')).toMatch(/^[0-9]$/);
    const top = await page.$$eval('#top li', (lis) => lis.map((li) => li.textContent));
    expect(top).toHaveLength(3);
    for (const t of top) expect(t).toMatch(/^[0-9] — \d{1,3}\.\d%$/);
    expect(await page.textContent('#out')).toBe('');
    await page.screenshot({ path: 'artifacts/script-tag-example.png' });
    expect(errors).toEqual([]);
    await page.close();
    // The collector it runs manages the digits release (demo policy): the candidate waits at 0 %
    // for a signed-in Publish, and the page's config does not carry the admin token.
    const collector = /collector:\s+(\S+)/.exec(s.out)![1]!;
    const view = await (await fetch(new URL('v1/releases/digits', collector), { headers: { authorization: `Bearer ${s.token}` } })).json();
    expect(view).toMatchObject({ configured: true, unstarted: [{ channel: 'stable', candidate: '1.1.0+uint8', start: 'admin', percent: 0, steps: [10, 50, 100] }] });
    expect(await (await fetch(new URL('/demo-config.json', s.page))).text()).not.toContain(s.token);
    await stop(s);
  }, 600_000);
});
