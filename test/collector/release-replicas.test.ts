// Two collector replicas on one real PostgreSQL evaluate the same release on their own
// timers: every step is decided once (one audit record per rev, no double step), both serve
// the same live manifest, and a compare-and-set race between them has exactly one winner.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../../src/collector/server.js';
import { startPostgres, type TestPostgres } from '../support/postgres.js';
import { KEY_SHOP, admin, testConfig, until } from './helpers.js';

const untilHere = <T>(fn: () => Promise<T | undefined>, what: string) => until(fn, what, 60_000, 50);
import { fastReleases, releaseBatch, writeManifest } from './release-support.js';
import { evaluationPasses } from '../support/release-passes.js';

let pg: TestPostgres;
let replicas: RunningCollector[] = [];

beforeAll(async () => {
  pg = await startPostgres();
  const manifest = writeManifest();
  // 50 ms between evaluations on each replica: they overlap all the time.
  const config = testConfig({ releases: fastReleases({ intervalSeconds: 0.05 }) });
  replicas = await Promise.all([0, 1].map(() => startCollector({ config, port: 0, postgres: pg.url, manifest })));
});

afterAll(async () => {
  await Promise.all(replicas.map((r) => r.close()));
  await pg?.stop();
});


const live = async (r: RunningCollector) => (await (await fetch(`${r.url}/v1/manifest`)).json()).models.digits.channels.stable;

describe('releases on 2 replicas sharing PostgreSQL', () => {
  it('takes each decision once while both replicas evaluate', async () => {
    for (const target of [50, 100]) {
      // Telemetry lands on both replicas.
      for (let i = 0; i < 4; i++) {
        const res = await fetch(`${replicas[i % 2]!.url}/v1/batches?key=${KEY_SHOP}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(releaseBatch({ n: 20 }, { n: 15 })) });
        expect(res.status).toBe(200);
      }
      await untilHere(async () => { const ch = await live(replicas[0]!); return ch.candidate?.percent === target || ch.version === '1.1.0' ? true : undefined; }, `step ${target}`);
    }
    // Both replicas run a few more evaluations on the promoted release: nothing may change.
    await Promise.all(replicas.map((r) => evaluationPasses(r.releases, 3)));
    const views = await Promise.all(replicas.map(async (r) => (await admin(`${r.url}/v1/releases/digits?limit=1000`)).json()));
    expect(views[0]).toEqual(views[1]);
    const { decisions, releases } = views[0] as { decisions: { rev: number; repeats: number; decision: string; toPercent: number }[]; releases: { rev: number; status: string }[] };
    expect(releases).toHaveLength(1);
    expect(releases[0]!.status).toBe('promoted');
    // A record stands for the revs rev - repeats + 1 .. rev (identical holds fold into one record,
    // state.ts foldsInto): together they cover every rev once, none lost, none twice.
    const revs = decisions.flatMap((d) => Array.from({ length: d.repeats }, (_, i) => d.rev - i)).sort((a, b) => a - b);
    expect(revs).toEqual(Array.from({ length: releases[0]!.rev }, (_, i) => i + 1));
    expect(decisions.filter((d) => d.decision !== 'hold').reverse().map((d) => [d.decision, d.toPercent])).toEqual([['advance', 50], ['promote', 100]]);
    expect(await live(replicas[0]!)).toEqual(await live(replicas[1]!));
    // Each replica counts the decisions it committed; together they count each decision once.
    let total = 0;
    for (const r of replicas) {
      const text = await (await fetch(`${r.url}/metrics`)).text();
      for (const m of text.matchAll(/^inferscope_release_decisions_total\{model="digits"[^}]*\} (\S+)$/gm)) total += Number(m[1]);
      expect(text).toMatch(/^inferscope_release_percent\{model="digits",channel="stable",version="1\.1\.0"\} 100$/m);
    }
    expect(total).toBe(revs.length);
  });

  it('lets exactly one of two concurrent commits from the same rev win', async () => {
    const [a, b] = replicas as [RunningCollector, RunningCollector];
    const st = (await a.store.releases.states())[0]!;
    const next = { ...st, rev: st.rev + 1, evaluatedAt: Date.now() };
    const rec = (decision: 'pause' | 'resume') => ({ model: st.model, channel: st.channel, candidate: st.candidate, rev: st.rev + 1, at: Date.now(), decision, actor: 'admin' as const, fromPercent: st.percent, toPercent: st.percent, reason: 'race', cause: decision, repeats: 1, firstAt: Date.now(), inputs: {} });
    for (let round = 0; round < 10; round++) {
      const cur = (await a.store.releases.states())[0]!;
      const n = { ...next, rev: cur.rev + 1 };
      const results = await Promise.all([a.store.releases.commit(cur.rev, n, { ...rec('pause'), rev: n.rev }), b.store.releases.commit(cur.rev, n, { ...rec('resume'), rev: n.rev })]);
      expect(results.filter(Boolean)).toHaveLength(1);
    }
    expect((await a.store.releases.states())[0]!.rev).toBe(st.rev + 10);
  });
});
