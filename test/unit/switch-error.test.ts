// What the evaluation page says when a model switch fails (#13.5): for any error the SDK (or a
// bare fetch) can throw, online or offline, one sentence naming the model that failed, why, what
// to do and what still runs; the raw message ("Failed to fetch") only as the detail after it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { switchErrorText } from '../../demo/src/switch-error.js';
import { InferScopeError, type ErrorCode } from '../../src/sdk/errors.js';

const CODES: ErrorCode[] = ['MANIFEST_FETCH', 'MANIFEST_INVALID', 'MODEL_NOT_FOUND', 'MODEL_INVALID', 'NETWORK', 'INTEGRITY', 'ASSET_INVALID',
  'BACKEND_UNAVAILABLE', 'INPUT_SHAPE', 'INPUT_INVALID', 'PREDICT_FAILED', 'CACHE_UNAVAILABLE', 'QUOTA_EXCEEDED', 'TELEMETRY', 'DISPOSED', 'TIMEOUT', 'WORKER_UNAVAILABLE'];
const error = fc.oneof(
  fc.record({ code: fc.constantFrom(...CODES), message: fc.constantFrom('Failed to fetch', 'GET /m/model.json answered 404', '') }).map(({ code, message }) => new InferScopeError(code, message)),
  fc.constantFrom(new TypeError('Failed to fetch'), new Error('Failed to fetch dynamically imported module'), 'Failed to fetch', null),
);
const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,11} \d\.\d\.\d(\+[a-z0-9]+)?$/);

describe('switchErrorText', () => {
  it('says what failed, why, what to do and what still runs, for any error', () => {
    fc.assert(fc.property(error, name, fc.option(name), fc.boolean(), fc.boolean(), (err, wanted, kept, online, instead) => {
      const { text, detail } = switchErrorText(err, wanted, kept, online, instead);
      expect(text).toMatch(new RegExp(`^Could not (download|verify|read|run|store|load) ${wanted.replace(/[.+]/g, '\\$&')}: [a-z].+\\. [A-Z].+; `));
      expect(text).not.toMatch(/Failed to fetch/i);
      expect(text.endsWith(!kept ? 'No model is loaded yet.' : instead ? `${kept}, the last version that worked here, runs instead (from the cache).` : `${kept} is still loaded.`)).toBe(true);
      expect(typeof detail).toBe('string');
    }));
  });

  it('offline, a network failure says so and asks to reconnect', () => {
    fc.assert(fc.property(fc.constantFrom<unknown>(new InferScopeError('NETWORK', 'GET x failed: Failed to fetch'), new TypeError('Failed to fetch')), (err) => {
      expect(switchErrorText(err, 'digits 1.1.0', 'digits 1.0.0', false).text)
        .toBe('Could not download digits 1.1.0: the network is offline. Reconnect and pick it again; digits 1.0.0 is still loaded.');
    }));
  });
});
