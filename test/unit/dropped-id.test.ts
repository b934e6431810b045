// The model id a person types for a dropped model's telemetry (#13.6): every id the page
// accepts is one the collector stores as sent; ids with '@', '/', ':', spaces or a personal
// shape are refused with a message.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { droppedIdProblem, versionOfHash } from '../../demo/src/dropped.js';
import { isStorableName } from '../../src/protocol/name-rules.js';

describe('dropped model id', () => {
  it('accepts only ids the collector stores as they are', () => {
    fc.assert(fc.property(fc.string({ maxLength: 80 }), (id) => {
      if (droppedIdProblem(id) === null) expect(isStorableName(id, 'id')).toBe(true);
    }), { numRuns: 2000 });
  });
  it('refuses any id with @, /, :, a space or a long digit run', () => {
    const good = fc.stringMatching(/^[A-Za-z][A-Za-z_-]{0,20}$/);
    fc.assert(fc.property(good, fc.constantFrom('@', '/', ':', ' ', '1234567'), good, (a, bad, b) => {
      expect(droppedIdProblem(`${a}${bad}${b}`)).toMatch(/model id ".*" (is not allowed|contains)/);
    }));
  });
  it('accepts plain names', () => {
    fc.assert(fc.property(fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,30}$/).filter((s) => !/[0-9]{7}/.test(s) && (s.match(/[0-9]/g) ?? []).length <= 10), (id) => {
      expect(droppedIdProblem(id)).toBeNull();
    }));
  });
  it('turns any content hash into a version the collector stores', () => {
    fc.assert(fc.property(fc.stringMatching(/^[0-9a-f]{64}$/), (hex) => {
      expect(isStorableName(versionOfHash(hex), 'version')).toBe(true);
    }));
  });
});
