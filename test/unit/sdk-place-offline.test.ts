// Placing a model on a backend (every backendPolicy) is a lazy chunk, place.ts, fetched when
// load() starts. When it cannot be fetched (offline, or a deploy removed the old chunk), load()
// rejects with NETWORK and the import's error as its cause, for every policy.
import '@tensorflow/tfjs-backend-cpu';
import { expect, test, vi } from 'vitest';
import { createClient, isInferScopeError } from '../../src/index.js';
import { ensureFixtures } from '../support/fixtures.js';
import { serveStatic } from '../support/fixtures-server.js';

vi.mock('../../src/sdk/place.js', () => {
  throw new TypeError('Failed to fetch dynamically imported module: place.js');
});

test.each(['auto', 'first-working', 'fastest'] as const)("backendPolicy '%s': load() rejects with NETWORK when the placement chunk cannot be fetched", async (backendPolicy) => {
  await ensureFixtures();
  const server = await serveStatic();
  const c = createClient({ backends: ['cpu'], backendPolicy, idbFactory: false, cache: false });
  try {
    const err = await c.load({ url: `${server.url}/.tmp/fixtures/graph-float32/model.json` }).then(() => null, (e) => e);
    expect(isInferScopeError(err)).toBe(true);
    expect(err.code).toBe('NETWORK');
    expect(err.message).toMatch(/^loading failed: /);
    expect(err.cause).toBeTruthy(); // the import's own error
  } finally {
    await c.dispose();
    await server.close();
  }
});
