// Releases through the real HTTP stack on SQLite, with compressed windows: the collector
// advances a good candidate step by step to promotion, rolls back a worse one and one that
// throws, holds one with too little traffic, and serves each state in GET /v1/manifest.
import { afterEach, describe, expect, it } from 'vitest';
import { validateManifest } from '../../src/protocol/manifest.js';
import { ADMIN, KEY_SHOP, admin, startTestCollector, testConfig, until, type TestCollector } from './helpers.js';
import { fastReleases, releaseBatch, writeManifest, type VariantLoad } from './release-support.js';
import { evaluationPasses } from '../support/release-passes.js';

let c: TestCollector | undefined;
afterEach(async () => { await c?.close(); c = undefined; });

async function start(releases = fastReleases()) {
  c = await startTestCollector({ config: testConfig({ releases }), manifest: writeManifest() });
  return c;
}


const channel = async (col: TestCollector) => validateManifest(await (await fetch(`${col.url}/v1/manifest`)).json()).models.digits!.channels.stable!;
const releases = async (col: TestCollector) => (await admin(`${col.url}/v1/releases/digits`)).json() as Promise<{ releases: { status: string; percent: number; rev: number }[]; decisions: { decision: string; toPercent: number; reason: string; actor: string; cause: string; repeats: number; firstAt: number; at: number; inputs: { checks: { name: string; status: string }[] } }[] }>;

async function feed(col: TestCollector, stable: VariantLoad, candidate: VariantLoad, times = 1) {
  for (let i = 0; i < times; i++) expect((await col.post(releaseBatch(stable, candidate))).status).toBe(200);
}

describe('releases on SQLite', () => {
  it('advances a good candidate through every step to promotion; devices see each step in the manifest', async () => {
    const col = await start();
    expect(await channel(col)).toEqual({ version: '1.0.0', candidate: { version: '1.1.0', percent: 10 } });
    const seen: number[] = [];
    for (const expected of [50, 100]) {
      await feed(col, { n: 60 }, { n: 50 });
      await until(async () => { const ch = await channel(col); return ch.candidate?.percent === expected || ch.version === '1.1.0' ? true : undefined; }, `step ${expected}`);
      seen.push(expected);
    }
    expect(await channel(col)).toEqual({ version: '1.1.0' });
    const r = await releases(col);
    expect(r.releases[0]).toMatchObject({ status: 'promoted', percent: 100 });
    const moves = r.decisions.filter((d) => d.decision !== 'hold').reverse();
    expect(moves.map((d) => [d.decision, d.toPercent])).toEqual([['advance', 50], ['promote', 100]]);
    expect(moves[0]!.inputs.checks.map((ch) => [ch.name, ch.status])).toEqual(expect.arrayContaining([['errors', 'pass'], ['accuracy', 'pass'], ['latency', 'pass'], ['shift', 'pass']]));
    const text = await (await fetch(`${col.url}/metrics`)).text();
    expect(text).toMatch(/inferscope_release_decisions_total\{model="digits",channel="stable",decision="promote"\} 1\n/);
    expect(text).toMatch(/inferscope_release_decisions_total\{model="digits",channel="stable",decision="advance"\} 1\n/);
    expect(seen).toEqual([50, 100]);
  });

  it('rolls back a candidate that is wrong more often on fed-back labels; the manifest turns its kill switch on', async () => {
    const col = await start();
    await feed(col, { n: 100, wrong: 5 }, { n: 100, wrong: 40 });
    await until(async () => ((await channel(col)).killSwitch ? true : undefined), 'rollback');
    const r = await releases(col);
    expect(r.releases[0]).toMatchObject({ status: 'rolled_back', percent: 0 });
    expect(r.decisions[0]).toMatchObject({ decision: 'rollback', actor: 'auto' });
    expect(r.decisions[0]!.reason).toMatch(/wrong answers on fed-back labels: candidate 40\.00% vs stable 5\.00%/);
    expect(await channel(col)).toEqual({ version: '1.0.0', candidate: { version: '1.1.0', percent: 0 }, killSwitch: true });
  });

  it('rolls back a candidate that throws at predict', async () => {
    const col = await start();
    await feed(col, { n: 100 }, { n: 0, errors: 60 });
    await until(async () => ((await channel(col)).killSwitch ? true : undefined), 'rollback');
    expect((await releases(col)).decisions[0]!.reason).toMatch(/error rate: candidate 100\.00% vs stable 0\.00%/);
  });

  it('holds a candidate with too little traffic: neither promoted nor rolled back', async () => {
    const col = await start();
    await feed(col, { n: 100 }, { n: 10 });
    const r = await until(async () => { const x = await releases(col); return x.decisions[0] && x.decisions[0].repeats >= 3 ? x : undefined; }, 'three evaluations');
    // Identical holds fold into one record (state.ts foldsInto): the audit does not grow per evaluation.
    expect(r.decisions).toHaveLength(1);
    expect(r.decisions[0]).toMatchObject({ decision: 'hold', cause: 'waiting:errors+latency+accuracy+shift' });
    expect(r.decisions[0]!.firstAt).toBeLessThan(r.decisions[0]!.at);
    expect(r.decisions[0]!.reason).toMatch(/waiting for 40 on each side \(candidate 10, stable 100\)/);
    expect(r.releases[0]).toMatchObject({ status: 'running', percent: 10 });
    expect((await channel(col)).candidate).toEqual({ version: '1.1.0', percent: 10 });
  });

  it('serves the live manifest with ETag, max-age and CORS for the apps’ origins, and 304 on revalidation', async () => {
    const col = await start(fastReleases({ intervalSeconds: 3600 }));
    const r1 = await fetch(`${col.url}/v1/manifest`, { headers: { origin: 'https://shop.example' } });
    const etag = r1.headers.get('etag')!;
    expect(r1.status).toBe(200);
    expect(etag).toMatch(/^"[\w-]{27}"$/);
    expect(r1.headers.get('cache-control')).toBe('public, max-age=1');
    expect(r1.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(r1.headers.get('access-control-expose-headers')).toMatch(/etag/i);
    const body = await r1.json();
    expect(body.models.digits.versions['1.1.0'].url).toBe('https://cdn.example/models/digits/1.1.0/model.json');
    const pre = await fetch(`${col.url}/v1/manifest`, { method: 'OPTIONS', headers: { origin: 'https://shop.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'if-none-match' } });
    expect(pre.headers.get('access-control-allow-headers')).toMatch(/if-none-match/);
    expect((await fetch(`${col.url}/v1/manifest`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    // An admin pause changes nothing devices see; a promotion changes the manifest and its ETag.
    const act = (a: string) => fetch(`${col.url}/v1/releases/digits/stable/${a}`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'test' }) });
    expect((await act('pause')).status).toBe(200);
    expect((await act('pause')).status).toBe(409);
    expect((await fetch(`${col.url}/v1/manifest`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await act('promote')).status).toBe(200);
    const r2 = await fetch(`${col.url}/v1/manifest`, { headers: { 'if-none-match': etag } });
    expect(r2.status).toBe(200);
    expect((await r2.json()).models.digits.channels.stable).toEqual({ version: '1.1.0' });
    expect((await act('rollback')).status).toBe(200);
    expect((await channel(col)).killSwitch).toBe(true);
    expect((await act('resume')).status).toBe(200);
    expect((await channel(col)).candidate).toEqual({ version: '1.1.0', percent: 10 });
    expect((await releases(col)).decisions.map((d) => [d.decision, d.actor])).toEqual([['resume', 'admin'], ['rollback', 'admin'], ['promote', 'admin'], ['pause', 'admin']]);
  });

  it('with start "admin", serves the candidate at 0 % until an admin starts it, then decides as usual', async () => {
    const col = await start(fastReleases({ defaults: { start: 'admin', steps: [10, 50, 100], minPredictions: 40, minStepSeconds: 0, checks: { errors: { minSamples: 40 }, latency: { minSamples: 20 }, shift: { minSamples: 40 }, accuracy: { minLabels: 40, required: true } } } }));
    const act = (a: string) => fetch(`${col.url}/v1/releases/digits/stable/${a}`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } });
    const view = async () => (await admin(`${col.url}/v1/releases/digits`)).json() as Promise<{ unstarted: unknown[]; releases: unknown[]; decisions: { decision: string; fromPercent: number; toPercent: number; actor: string }[] }>;
    await feed(col, { n: 60 }, { n: 50 });
    await evaluationPasses(col.releases, 5); // five evaluations after the feed: an unstarted release is never evaluated
    expect(await channel(col)).toEqual({ version: '1.0.0', candidate: { version: '1.1.0', percent: 0 } });
    expect(await view()).toMatchObject({ unstarted: [{ channel: 'stable', candidate: '1.1.0', stable: '1.0.0', start: 'admin', percent: 0, steps: [10, 50, 100] }], releases: [], decisions: [] });
    const early = await act('pause');
    expect(early.status).toBe(409);
    expect((await early.json()).error.message).toMatch(/has not been started/);
    // Two people press Publish at once: one starts the release, the other is told it already runs.
    const [a, b] = await Promise.all([act('start'), act('start')]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const started = (await (a.status === 200 ? a : b).json()) as { decision: { decision: string; fromPercent: number; toPercent: number } };
    expect(started.decision).toMatchObject({ decision: 'start', fromPercent: 0, toPercent: 10 });
    expect((await channel(col)).candidate).toEqual({ version: '1.1.0', percent: 10 });
    expect((await act('start')).status).toBe(409);
    await feed(col, { n: 60 }, { n: 50 });
    await until(async () => ((await channel(col)).candidate?.percent === 50 ? true : undefined), 'the step after the start');
    const v = await view();
    expect(v.unstarted).toEqual([]);
    expect(v.decisions.filter((d) => d.decision !== 'hold').reverse().map((d) => [d.decision, d.actor, d.toPercent])).toEqual([['start', 'admin', 10], ['advance', 'auto', 50]]);
  });

  it('refuses release routes without the admin token, unknown actions and channels without a candidate', async () => {
    const col = await start(fastReleases({ intervalSeconds: 3600 }));
    expect((await fetch(`${col.url}/v1/releases/digits`)).status).toBe(401);
    expect((await fetch(`${col.url}/v1/releases/digits`, { headers: { authorization: `Bearer ${KEY_SHOP}` } })).status).toBe(401);
    expect((await fetch(`${col.url}/v1/releases/digits/stable/pause`, { method: 'POST' })).status).toBe(401);
    const post = (path: string) => fetch(`${col.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } });
    const bad = await post('/v1/releases/digits/stable/explode');
    expect(bad.status).toBe(404);
    expect((await bad.json()).error.message).toMatch(/use one of start, pause, resume, promote, rollback/);
    const none = await post('/v1/releases/digits/beta/pause');
    expect(none.status).toBe(404);
    expect((await none.json()).error.message).toMatch(/no release for digits\/beta/);
  });
});
