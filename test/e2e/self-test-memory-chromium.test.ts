// A remembered self-test pass in real Chromium (Debian's, persistent profile): a reloaded page,
// a new visit, loads without running the backend self-test again; a changed browser build
// (user agent, through CDP) runs it again; a failure, of the self-test or of predict after a
// remembered pass, is never remembered as a pass, so the next visit tests again. In both modes:
// a worker has no localStorage, so the page hands it the passes and writes back what it records.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright';
import { buildModel, manifestOf, startServer, versionEntry, type FixtureModel, type TestServer } from '../unit/delivery-fixtures.js';
import { bundleFaultWorker, bundlePage, launch, openPage, startApp, type App, type Browser } from './delivery-harness.js';
import type { Faults, RunResult } from './delivery-page.js';

let model: FixtureModel;
let app: App;
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  let js: string, workerJs: string;
  [js, workerJs, model] = await Promise.all([bundlePage(), bundleFaultWorker(), buildModel({ bodySeed: 3, headSeed: 3, tag: 'v1' })]);
  [app, server] = await Promise.all([startApp(js, workerJs), startServer()]);
  server.putModel('/digits/1', model);
  server.putManifest(manifestOf('digits', { '1': versionEntry('digits/1/model.json', model) }, { stable: { version: '1' } }));
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await app?.close();
});

let worker = false; // set per mode by describe.each below
/** A new visit: the page reloaded (a fresh tfjs engine and backend), then one load + predict. */
async function visit(page: Page, faults: Faults = {}): Promise<RunResult> {
  await page.reload();
  await page.waitForFunction(() => 'delivery' in globalThis);
  return page.evaluate((a) => (globalThis as any).delivery.run(a), { manifestUrl: `${server.url}/manifest.json`, id: 'digits', faults, worker });
}

// Each mode in its own page; the profile (localStorage) is shared, so each starts from no pass.
describe.each(['direct', 'worker'])('%s mode', (mode) => {
  it('a second visit skips the self-test; a new user agent, a failed self-test or a failed predict make the next visit test again', async () => {
    worker = mode === 'worker';
    const page = await openPage(browser.context, app.url);
    await page.evaluate(() => localStorage.clear());
    const want = model.predict(Array(16).fill(0.5)).map((v) => expect.closeTo(v, 4));

    const first = await visit(page);
    expect(first.error).toBeUndefined();
    expect(first.selfTests).toEqual(['cpu']);
    expect(first.events.some((e) => e.type === 'worker-started')).toBe(worker); // ran where the mode says
    const second = await visit(page);
    expect(second.error).toBeUndefined();
    expect(second.selfTests).toEqual([]); // remembered: same device, browser build and tfjs
    expect(second.data).toEqual(want);

    // Another browser build: tested again, then remembered for it.
    const cdp = await browser.context.newCDPSession(page);
    const ua = await page.evaluate(() => navigator.userAgent);
    await cdp.send('Emulation.setUserAgentOverride', { userAgent: ua.replace(/Chrome\/(\d+)/, (_, v) => `Chrome/${Number(v) + 1}`) });
    expect(await page.evaluate(() => navigator.userAgent)).not.toBe(ua);
    expect((await visit(page)).selfTests).toEqual(['cpu']);
    expect((await visit(page)).selfTests).toEqual([]);

    // The self-test fails (a driver that now computes wrong numbers): the load fails, and the pass
    // remembered before is gone, so a visit after it tests again. (Direct mode only: the fault is a
    // test hook, which cannot cross into a worker; the worker's failure below is a failed predict.)
    if (!worker) {
      const wrong = await visit(page, { corruptSelfTest: true });
      expect(wrong.error).toEqual({ code: 'BACKEND_UNAVAILABLE', message: expect.stringMatching(/cpu: self-test matmul .* wrong/) });
      expect((await visit(page)).selfTests).toEqual(['cpu']);
      expect((await visit(page)).selfTests).toEqual([]);
    }

    // Predict fails on a backend whose pass was remembered: it fails over as without the memory
    // (cpu is the only backend here, so predict rejects), and the next visit tests again.
    const broken = await visit(page, { failPredict: true });
    expect(broken.selfTests).toEqual([]);
    expect(broken.error).toEqual({ code: 'PREDICT_FAILED', message: expect.stringContaining('cpu backend lost') });
    const after = await visit(page);
    expect(after.error).toBeUndefined();
    expect(after.selfTests).toEqual(['cpu']);
    expect(after.data).toEqual(want);
    await cdp.send('Emulation.setUserAgentOverride', { userAgent: ua });
    await page.close();
  }, 120_000);
});
