// Accepted = durable: the collector process is killed (SIGKILL, no shutdown) in the
// middle of a load. After a restart on the same SQLite file, every batch that got a 2xx
// is counted; re-sending the ones that got no answer (as the SDK outbox does) brings the
// total to exactly one count per batch.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Batch } from '../../src/protocol/wire-types.js';
import { KEY_SHOP, admin, latencySketch, makeBatch, modelAggregate, testConfig } from './helpers.js';
import { spawnCollector, type CollectorProcess } from './spawn.js';

const dir = mkdtempSync(join(tmpdir(), 'inferscope-restart-'));
let proc: CollectorProcess | null = null;
afterAll(async () => { await proc?.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }); });

async function send(url: string, b: Batch): Promise<boolean> {
  try {
    const r = await fetch(`${url}/v1/batches?key=${KEY_SHOP}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(b) });
    await r.arrayBuffer();
    return r.status === 200;
  } catch {
    return false; // connection reset by the kill: not accepted
  }
}

describe('restart during load', () => {
  it('loses no accepted batch', async () => {
    const cfg = join(dir, 'collector.json');
    writeFileSync(cfg, JSON.stringify(testConfig({ apps: [{ id: 'shop', keys: [KEY_SHOP], origins: ['*'], rateLimit: { max: 100_000, windowSeconds: 60 } }] })));
    const args = ['--db', join(dir, 'c.sqlite'), '--config', cfg, '--port', '0'];
    proc = await spawnCollector(args);
    const batches = Array.from({ length: 1200 }, (_, i) => makeBatch({ models: [modelAggregate({ model: 'durable', predictions: 1 + (i % 3), latency: latencySketch(Array.from({ length: 1 + (i % 3) }, () => 4)) })], loads: [] }));
    const accepted = new Set<number>();
    let next = 0;
    let killed = false;
    const url = proc.url;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < batches.length) {
        const i = next++;
        if (i === 400 && !killed) { killed = true; void proc!.kill('SIGKILL'); }
        if (await send(url, batches[i]!)) accepted.add(i);
      }
    }));
    expect(killed).toBe(true);
    expect(accepted.size).toBeGreaterThan(100);
    expect(accepted.size).toBeLessThan(batches.length);

    proc = await spawnCollector(args);
    const total = (ids: Iterable<number>) => [...ids].reduce((a, i) => a + batches[i]!.models[0]!.predictions, 0);
    const afterRestart = (await (await admin(`${proc.url}/v1/models/durable/report`)).json()).predictions;
    expect(afterRestart).toBeGreaterThanOrEqual(total(accepted));

    const missing = [...batches.keys()].filter((i) => !accepted.has(i));
    const resent = await Promise.all(Array.from({ length: 8 }, async (_, w) => {
      let ok = 0;
      for (let j = w; j < missing.length; j += 8) if (await send(proc!.url, batches[missing[j]!]!)) ok++;
      return ok;
    }));
    expect(resent.reduce((a, b) => a + b, 0)).toBe(missing.length);
    const rep = await (await admin(`${proc.url}/v1/models/durable/report`)).json();
    expect(rep.predictions).toBe(total(batches.keys()));
    expect(rep.coverage.batches).toBe(batches.length);
  }, 240_000); // ~2,000 requests and two process starts: 6 s on a quiet machine, 20-45 s at load average 20
});
