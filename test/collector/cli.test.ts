// `inferscope collector` entry: zero-config start, flags, config errors.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/collector/main.js';
import { DEV_KEY, loadConfigFile } from '../../src/collector/config.js';
import { makeBatch } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'inferscope-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('collector main()', () => {
  it('starts with no config: prints the development key and admin token, which work', async () => {
    const lines: string[] = [];
    const db = join(dir, 'nested', 'dev.sqlite');
    const c = await main(['--port', '0', '--db', db], { out: (l) => lines.push(l), signals: false, env: {} });
    try {
      const text = lines.join('\n');
      expect(text).toContain(DEV_KEY);
      const token = /admin token: (\S+)/.exec(text)![1]!;
      const post = await fetch(`${c!.url}/v1/batches?key=${DEV_KEY}`, { method: 'POST', body: JSON.stringify(makeBatch()), headers: { origin: 'http://localhost:5173' } });
      expect(post.status).toBe(200);
      const rep = await fetch(`${c!.url}/v1/models/digits/report`, { headers: { authorization: `Bearer ${token}` } });
      expect((await rep.json()).predictions).toBe(20);
    } finally {
      await c!.close();
    }
  });

  it('reads --config and refuses bad flags and configs with a message saying what to fix', async () => {
    await expect(main(['--port', 'eighty'], { signals: false })).rejects.toThrow(/--port must be an integer/);
    await expect(main(['--db', 'a.sqlite', '--postgres', 'postgres://x'], { signals: false })).rejects.toThrow(/either --db or --postgres/);
    await expect(main(['--bogus'], { signals: false })).rejects.toThrow(/bogus/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ apps: [{ id: 'shop', keys: ['pk_live_12345678'], origins: ['shop.example'] }], adminToken: 'x'.repeat(20) }));
    await expect(main(['--config', bad, '--port', '0'], { signals: false })).rejects.toThrow(/apps\[0\]\.origins must be an array of origins like "https:\/\/shop.example"/);
    writeFileSync(bad, JSON.stringify({ apps: [], adminToken: 'short' }));
    await expect(main(['--config', bad], { signals: false, env: {} })).rejects.toThrow(/adminToken must be a string of at least 16/);
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ apps: [{ id: 'shop', keys: ['pk_live_12345678'], origins: ['https://shop.example'] }], adminToken: 'y'.repeat(20), retentionDays: 7 }));
    const lines: string[] = [];
    const c = await main(['--config', good, '--port', '0', '--db', join(dir, 'good.sqlite')], { out: (l) => lines.push(l), signals: false });
    try {
      expect(lines.join('\n')).not.toContain('admin token'); // only printed for the development app
      const r = await fetch(`${c!.url}/v1/batches?key=pk_live_12345678`, { method: 'POST', body: JSON.stringify(makeBatch()), headers: { origin: 'https://shop.example' } });
      expect(r.status).toBe(200);
    } finally {
      await c!.close();
    }
  });

  it('accepts the example config shipped in deploy/compose', () => {
    const cfg = loadConfigFile(join(import.meta.dirname, '../../deploy/compose/collector.example.json'), {});
    expect(cfg.apps[0]).toMatchObject({ id: 'shop', origins: ['https://shop.example'] });
  });

  it('prints usage for --help', async () => {
    const lines: string[] = [];
    expect(await main(['--help'], { out: (l) => lines.push(l), signals: false })).toBeNull();
    expect(lines.join('\n')).toMatch(/--postgres <url>/);
  });
});
