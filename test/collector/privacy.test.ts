// No IP and no raw user agent is stored anywhere: after real traffic (with a browser-like
// User-Agent, X-Forwarded-For and Origin), every table and the raw database files are
// scanned for them.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { KEY_SHOP, makeBatch, startTestCollector } from './helpers.js';

const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.126 Safari/537.36 UniqueMarker42';
const FORWARDED = '203.0.113.77';

describe('privacy', () => {
  it('stores no IP address or user agent', async () => {
    const c = await startTestCollector();
    try {
      for (let i = 0; i < 20; i++) {
        const r = await fetch(`${c.url}/v1/batches?key=${KEY_SHOP}`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain', 'user-agent': UA, 'x-forwarded-for': FORWARDED, 'x-real-ip': FORWARDED, origin: 'https://shop.example', referer: 'https://shop.example/checkout?user=alice' },
          body: JSON.stringify(makeBatch()),
        });
        expect(r.status).toBe(200);
      }
      const db = new Database(join(c.dir, 'c.sqlite'), { readonly: true });
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
      expect(tables).toEqual(expect.arrayContaining(['aggregates', 'batches', 'schema_migrations']));
      const dump = tables.map((t) => JSON.stringify(db.prepare(`SELECT * FROM "${t}"`).all())).join('\n');
      db.close();
      expect(dump).toContain('digits'); // the scan sees real data
      const files = readdirSync(c.dir).filter((f) => f.startsWith('c.sqlite')).map((f) => readFileSync(join(c.dir, f)).toString('latin1'));
      for (const text of [dump, ...files]) {
        for (const needle of ['127.0.0.1', '::1', '::ffff:', FORWARDED, 'UniqueMarker42', 'Mozilla', 'AppleWebKit', 'alice', 'checkout', 'shop.example']) {
          expect(text.includes(needle), needle).toBe(false);
        }
      }
    } finally {
      await c.close();
    }
  });
});
