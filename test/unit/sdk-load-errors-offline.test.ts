// load()'s error messages live in a lazy chunk (load-errors.ts). When that chunk cannot be
// fetched — the page went offline, or a deploy removed the old chunk — load() must still reject
// with an InferScopeError carrying the code callers branch on, never with the import's TypeError.
import '@tensorflow/tfjs-backend-cpu';
import fc from 'fast-check';
import { describe, expect, test, vi } from 'vitest';
import { createClient, isInferScopeError, type Model } from '../../src/index.js';

vi.mock('../../src/sdk/load-errors.js', () => {
  throw new TypeError('Failed to fetch dynamically imported module: load-errors.js');
});

describe('load() errors when their lazy chunk cannot be fetched', () => {
  test('a wrong load() argument is still MODEL_NOT_FOUND with the call forms', async () => {
    const c = createClient({ backends: ['cpu'], idbFactory: false, cache: false });
    const bad = fc.oneof(fc.constant(undefined), fc.constant(null), fc.constant(''), fc.double(), fc.boolean(), fc.constant({}));
    await fc.assert(fc.asyncProperty(bad, async (target) => {
      const err = await (c.load as (t: unknown) => Promise<Model>)(target).then(() => null, (e) => e);
      expect(isInferScopeError(err)).toBe(true);
      expect(err.code).toBe('MODEL_NOT_FOUND');
      expect(err.message).toContain("client.load('id')");
    }), { numRuns: 20 });
    await c.dispose();
  });
});
