// The load path's User Timing marks (src/sdk/mark.ts): a warm load leaves `inferscope:*` marks for
// each step, in the order the steps finish, in both modes, so DevTools and bench/main-thread can
// say where a load's time goes on each thread. Real client, cpu backend, real HTTP server,
// fake-indexeddb as the browser's IndexedDB; worker mode through the channel worker (one process,
// so the worker's marks land in the same timeline).
import 'fake-indexeddb/auto';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/sdk/client.js';
import { MODES } from '../support/channel-worker.js';
import { buildModel, manifestOf, startServer, versionEntry, type TestServer } from './delivery-fixtures.js';

let server: TestServer;
beforeAll(async () => {
  const v1 = await buildModel({ bodySeed: 3, headSeed: 4, tag: 'marks' });
  server = await startServer();
  server.putModel('/digits/1', v1);
  server.putManifest(manifestOf('digits', { '1': versionEntry('digits/1/model.json', v1) }, { stable: { version: '1' } }));
});
afterAll(async () => { await server.close(); });

const steps = () => performance.getEntriesByType('mark').map((m) => m.name).filter((n) => n.startsWith('inferscope:')).map((n) => n.slice(11));
const before = (xs: string[], a: string, b: string) => { expect(xs).toContain(a); expect(xs).toContain(b); expect(xs.indexOf(a)).toBeLessThan(xs.indexOf(b)); };

describe.each(MODES)('%s mode', (mode, extra) => {
  it('a warm load marks each step of its path, in order, and a prediction adds none', async () => {
    const make = () => createClient({ backends: ['cpu'], manifestUrl: `${server.url}/manifest.json`, ...extra() });
    const cold = make();
    await (await cold.load('digits')).predict(new Float32Array(16)); // installs the version in IndexedDB
    await cold.dispose();
    performance.clearMarks();
    const client = make();
    const model = await client.load('digits');
    const xs = steps();
    for (const [a, b] of [['db-open', 'manifest'], ['manifest', 'cache-read'], ['cache-read', 'digests'], ['backend-imported', 'backend-ready'], ['backend-ready', 'model-built'], ['cache-read', 'model-built']]) before(xs, a!, b!);
    if (mode === 'worker') { before(xs, 'worker-created', 'worker-init'); before(xs, 'worker-init', 'db-open'); }
    else expect(xs.filter((x) => x.startsWith('worker'))).toEqual([]);
    const n = performance.getEntriesByType('mark').length;
    for (let i = 0; i < 3; i++) await model.predict(new Float32Array(16));
    expect(performance.getEntriesByType('mark').length).toBe(n);
    await client.dispose();
  });
});
