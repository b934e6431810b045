// What a page on another origin can read from the collector's answers (#18.3), and the
// admin token from the environment: set but empty means unset (#18.4).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { developmentConfig, validateConfig } from '../../src/collector/config.js';
import { KEY_BLOG, KEY_SHOP, makeBatch, startTestCollector, type TestCollector } from './helpers.js';

let c: TestCollector;
beforeAll(async () => { c = await startTestCollector(); });
afterAll(async () => { await c?.close(); });

/** The header names a browser lets the page read, besides the CORS-safelisted ones. */
const exposed = (r: Response) => (r.headers.get('access-control-expose-headers') ?? '').toLowerCase().split(/\s*,\s*/);

describe('CORS exposes what the SDK reads', () => {
  it('429 with Retry-After from the rate limit: readable cross-origin', async () => {
    let limited: Response | undefined;
    for (let i = 0; i < 6 && !limited; i++) {
      const r = await c.post(makeBatch(), { key: KEY_BLOG, headers: { origin: 'https://any.example' } });
      if (r.status === 429) limited = r; else await r.arrayBuffer();
    }
    expect(limited?.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(limited!.headers.get('access-control-allow-origin')).toBe('https://any.example');
    expect(exposed(limited!)).toContain('retry-after');
  });

  it('accepted and refused answers expose it too (every ingest answer carries the same CORS headers)', async () => {
    for (const body of [makeBatch(), { not: 'a batch' }]) {
      const r = await c.post(body, { key: KEY_SHOP, headers: { origin: 'https://shop.example' } });
      await r.arrayBuffer();
      expect(exposed(r)).toContain('retry-after');
    }
  });
});

describe('INFERSCOPE_ADMIN_TOKEN set but empty is unset', () => {
  const apps = [{ id: 'shop', keys: ['pk_live_12345678'], origins: ['*'] }];
  it('the dev collector makes a usable token instead of an empty one', () => {
    fc.assert(fc.property(fc.constantFrom('', undefined), (v) => {
      const t = developmentConfig({ INFERSCOPE_ADMIN_TOKEN: v }).adminToken;
      expect(t.length).toBeGreaterThanOrEqual(16);
    }));
  });
  it('a config file without a token still fails with the clear message, and a real env token still counts', () => {
    expect(() => validateConfig({ apps }, { INFERSCOPE_ADMIN_TOKEN: '' })).toThrow(/adminToken must be a string of at least 16 characters \(or set INFERSCOPE_ADMIN_TOKEN\)/);
    fc.assert(fc.property(fc.string({ minLength: 16, maxLength: 64 }).filter((s) => s !== 'pk_live_12345678'), (tok) => {
      expect(validateConfig({ apps }, { INFERSCOPE_ADMIN_TOKEN: tok }).adminToken).toBe(tok);
      expect(validateConfig({ apps, adminToken: tok }, { INFERSCOPE_ADMIN_TOKEN: '' }).adminToken).toBe(tok);
    }));
  });
});
