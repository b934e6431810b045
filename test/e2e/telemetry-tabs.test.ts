// Several tabs of one origin, one closes while the others stay (#16 telemetry-gaps.1). The
// closing tab stashes what it could not deliver in localStorage (unload-stash.ts); that stash used
// to wait for the NEXT page to start, so with the collector down at close and the other tabs open
// for hours, the closed tab's predictions reached nobody. Now the open tabs hear the stash being
// written (a `storage` event), one of them moves it into the shared outbox under the drain lock
// (Web Locks) and sends it. Proved in Chromium against the real collector (SQLite) through the
// fault proxy, in direct and worker mode: the closed tab's predictions are counted exactly once,
// without any page being opened after the close, and no batch id is accepted twice.
import type { Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { closeTab, openPage, startCollectorRig, type Browser, type CollectorRig } from './telemetry-harness.js';

declare const tel: any; // window.tel in the page (telemetry-page.ts)

const ADMIN = 'admin-token-telemetry-tabs-000001';
const KEY = 'pk_e2e_telemetry_tabs';
const fast = { appKey: KEY, flushIntervalMs: 600_000, retry: { baseMs: 200, maxMs: 1000 } };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let rig: CollectorRig;
let browser: Browser;
let app: CollectorRig['app'];
beforeAll(async () => { rig = await startCollectorRig('tabs', ADMIN, KEY); ({ browser, app } = rig); }, 120_000);
afterAll(() => rig?.close());
const counted = (model: string) => rig.counted(model);

describe.each([{ mode: 'direct', query: '', suffix: '' }, { mode: 'worker', query: '?mode=worker', suffix: '-w' }])('tabs of one origin, $mode mode', ({ query, suffix }) => {
  test('collector down while a tab closes, two tabs stay open: they deliver its predictions once, no new page needed', async () => {
    const model = `m-stay${suffix}`;
    const p = await rig.proxy('refuse');
    const tabs: Page[] = [];
    for (let i = 0; i < 3; i++) {
      const t = await openPage(browser.context, app.url, query);
      await t.evaluate((o) => tel.start(o), { endpoint: `${p.url}/v1/batches`, ...fast });
      tabs.push(t);
    }
    const [closing, ...staying] = tabs as [Page, Page, Page];
    await closing.evaluate(async (m) => { await tel.record(40, 0, m); }, model); // in memory when the tab closes
    await closeTab(closing);
    await sleep(1500); // the keepalive send is refused; the stash is all that is left
    expect(await counted(model)).toBe(0);
    await p.set('pass');
    const recovered = Date.now();
    let n = 0;
    while ((n = await counted(model)) < 40) {
      if (Date.now() - recovered > 60_000) throw new Error(`the collector counted ${n} of 40 predictions 60 s after recovery, with ${staying.length} tabs of the origin open (POSTs: ${p.posts.length})`);
      await sleep(100);
    }
    console.log(`[telemetry tabs] ${query || 'direct'}: 40 of 40 counted ${Date.now() - recovered} ms after recovery; POSTs ${JSON.stringify(p.posts.map((x) => [x.answer, x.counted]))}`);
    await sleep(1500); // a late second send would land here
    expect(await counted(model)).toBe(40);
    const acceptedIds = p.posts.filter((x) => x.counted === true).map((x) => x.batchId);
    expect(new Set(acceptedIds).size, 'a batch id counted twice').toBe(acceptedIds.length);
    // Exactly one open tab moved the stash: no batch was sent again after the collector took it.
    const accepted = p.posts.filter((x) => typeof x.answer === 'number' && x.answer < 300).map((x) => x.batchId);
    expect(new Set(accepted).size, 'batch ids sent again after the collector accepted them').toBe(accepted.length);
    // And the stash is empty: nothing is left for a later page to send again.
    expect(await staying[0].evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('inferscope-telemetry ') && JSON.parse(localStorage.getItem(k)!).items.length))).toEqual([]);
    for (const t of staying) await t.close();
  }, 120_000);
});
