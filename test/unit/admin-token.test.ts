// `npm start`'s admin token: kept in the data folder (mode 600) and reused, so a bookmarked
// dashboard link survives restarts; a non-empty INFERSCOPE_ADMIN_TOKEN wins and is not written.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adminToken } from '../../scripts/admin-token.mjs';

const withDir = <T>(fn: (dir: string) => T): T => {
  const dir = mkdtempSync(join(tmpdir(), 'inferscope-token-'));
  try { return fn(dir); } finally { rmSync(dir, { recursive: true, force: true }); }
};
const mode = (file: string) => statSync(file).mode & 0o777;

describe('npm start admin token', () => {
  it('is made once, kept with mode 600 and reused while the variable is unset or empty', () => {
    fc.assert(fc.property(fc.constantFrom(undefined, ''), fc.constantFrom(undefined, ''), (a, b) => withDir((dir) => {
      const data = join(dir, 'nested', '.data'); // the data folder may not exist yet
      const first = adminToken({ dataDir: data, env: { INFERSCOPE_ADMIN_TOKEN: a } });
      expect(first.source).toBe('new');
      expect(first.token.length).toBeGreaterThanOrEqual(16);
      expect(mode(first.file)).toBe(0o600);
      const second = adminToken({ dataDir: data, env: { INFERSCOPE_ADMIN_TOKEN: b } });
      expect(second).toEqual({ ...first, source: 'file' });
    })), { numRuns: 4 });
  });

  it('takes any non-empty INFERSCOPE_ADMIN_TOKEN as is and leaves the kept one alone', () => {
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 80 }), (env) => withDir((dir) => {
      const kept = adminToken({ dataDir: dir }).token;
      const r = adminToken({ dataDir: dir, env: { INFERSCOPE_ADMIN_TOKEN: env } });
      expect(r).toMatchObject({ token: env, source: 'env' });
      expect(readFileSync(join(dir, 'admin-token'), 'utf8').trim()).toBe(kept);
    })), { numRuns: 50 });
  });

  it('replaces a kept file the collector could not use, and tightens a loose mode', () => {
    // Too short (the collector needs >= 16 characters) or with inner whitespace: not a token.
    const unusable = fc.oneof(fc.string({ maxLength: 15 }), fc.tuple(fc.string({ minLength: 8 }), fc.constantFrom(' ', '\t', '\n'), fc.string({ minLength: 8 })).map(([a, s, b]) => `x${a}${s}${b}x`));
    fc.assert(fc.property(unusable, (junk) => withDir((dir) => {
      const file = join(dir, 'admin-token');
      writeFileSync(file, junk, { mode: 0o644 });
      const r = adminToken({ dataDir: dir, env: {} });
      expect(r.source).toBe('new');
      expect(r.token).toMatch(/^adm_[0-9a-f]{48}$/);
      expect(mode(file)).toBe(0o600);
    })), { numRuns: 50 });
    withDir((dir) => {
      const file = join(dir, 'admin-token');
      writeFileSync(file, 'a-hand-made-token-0123456789\n', { mode: 0o644 });
      expect(adminToken({ dataDir: dir, env: {} })).toMatchObject({ token: 'a-hand-made-token-0123456789', source: 'file' });
      expect(mode(file)).toBe(0o600);
      expect(existsSync(file)).toBe(true);
    });
  });
});
