// The manifest validator is a lazy chunk in the SDK (manifest-source.ts imports it alongside the
// manifest's fetch). When that chunk cannot be fetched (offline between the two requests, or a
// deploy removed the old chunk), a load by id must still behave like any manifest failure: the
// last good manifest serves with a `manifest-fallback` event, or, with none stored, an
// InferScopeError MANIFEST_FETCH that says what went wrong — never the import's TypeError. A
// stored manifest that is still fresh, or a 304, needs no validator at all.
import fc from 'fast-check';
import { describe, expect, test, vi } from 'vitest';
import type { Manifest } from '../../src/protocol/manifest-types.js';
import { isInferScopeError } from '../../src/sdk/errors.js';
import { createManifestSource, type StoredManifest } from '../../src/sdk/delivery/manifest-source.js';
import type { DeliveryEvent } from '../../src/sdk/delivery/types.js';

vi.mock('../../src/protocol/manifest.js', () => {
  throw new TypeError('Failed to fetch dynamically imported module: manifest.js');
});

const stored: Manifest = { schemaVersion: 1, models: {} } as Manifest;
const served = JSON.stringify({ schemaVersion: 1, models: {} });
const MAX_AGE = 60_000;

describe('manifest source when the validator chunk cannot load', () => {
  test('every status x stored-copy case resolves or rejects like a manifest failure', async () => {
    const cases = fc.record({
      status: fc.constantFrom(200, 304, 500, 503),
      copy: fc.constantFrom('none', 'stale', 'fresh'),
      etag: fc.option(fc.constantFrom('"v1"', 'W/"v2"'), { nil: null }),
    });
    await fc.assert(fc.asyncProperty(cases, async ({ status, copy, etag }) => {
      const now = 1_000_000;
      const fetchedAt = copy === 'fresh' ? now - 1 : now - 2 * MAX_AGE;
      const copyOf: StoredManifest | undefined = copy === 'none' ? undefined : { manifest: stored, etag, fetchedAt };
      const events: DeliveryEvent[] = [];
      let requests = 0;
      const source = createManifestSource({
        url: '/models/manifest.json', maxAgeMs: MAX_AGE, now: () => now,
        fetch: (async () => { requests++; return new Response(status === 304 ? null : served, { status, headers: { etag: '"v3"' } }); }) as typeof fetch,
        load: async () => copyOf,
        onEvent: (e) => events.push(e),
      });
      const got = await source.get().then((m) => ({ m }), (err: unknown) => ({ err }));
      if (copy === 'fresh') {
        expect(requests).toBe(0);
        expect('m' in got && got.m).toBe(stored);
        return;
      }
      if (copyOf) {
        // 304 revalidates the stored copy; 200 (validator missing) and 5xx fall back to it.
        expect('m' in got && got.m).toBe(stored);
        if (status !== 304) expect(events.some((e) => e.type === 'manifest-fallback')).toBe(true);
        if (status === 200) {
          const fb = events.find((e) => e.type === 'manifest-fallback') as { reason: string };
          expect(fb.reason).toMatch(/validator could not be loaded/);
        }
        return;
      }
      expect('err' in got).toBe(true);
      const err = (got as { err: unknown }).err;
      expect(isInferScopeError(err, 'MANIFEST_FETCH')).toBe(true);
      if (status === 200) expect((err as Error).message).toMatch(/validator could not be loaded.*no earlier manifest is cached/);
    }), { numRuns: 60 });
  });
});
