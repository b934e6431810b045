// The depth check every ingest body passes before JSON.parse (body.ts nestsDeeperThan), made
// faster in #16.9, must answer exactly what the former byte-by-byte loop answered, for
// generated texts full of brackets, quotes and escapes (a bracket inside a string never counts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../../src/collector/body.js';

/** The former implementation, kept here as the reference. */
function reference(buf: Uint8Array, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i]!;
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) { if (++depth > limit) return true; }
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

const piece = fc.constantFrom('[', ']', '{', '}', '"', '\\', '\\"', '1', ',', ':', 'a', ' ', 'é', '[[[[', ']]]]', '{"k":');
const text = fc.array(piece, { maxLength: 120 }).map((p) => p.join(''));

describe('JSON depth check (#16.9)', () => {
  it('answers what the former loop answered (generated bracket/quote/escape texts)', () => {
    fc.assert(fc.property(text, fc.integer({ min: 0, max: 20 }), (t, limit) => {
      const buf = Buffer.from(t);
      expect(nestsDeeperThan(buf, limit)).toBe(reference(buf, limit));
    }), { numRuns: 3000 });
  });

  it('refuses one level past the limit, counts no bracket inside a string', () => {
    const deep = (d: number) => Buffer.from('['.repeat(d) + ']'.repeat(d));
    expect(nestsDeeperThan(deep(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).toBe(false);
    expect(nestsDeeperThan(deep(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)).toBe(true);
    expect(nestsDeeperThan(Buffer.from(`["${'[{'.repeat(40)}\\"${'['.repeat(40)}"]`), MAX_JSON_DEPTH)).toBe(false);
  });
});
