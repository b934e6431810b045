// deploy/openapi.json documents exactly the routes the collector registers.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_ACTIONS } from '../../src/collector/releases/controller.js';
import { admin, startTestCollector, testConfig, until, type TestCollector } from './helpers.js';
import { fastReleases, releaseBatch, writeManifest } from './release-support.js';

type Schema = { properties: Record<string, { enum?: string[] }> };
const doc = JSON.parse(readFileSync(join(import.meta.dirname, '../../deploy/openapi.json'), 'utf8')) as {
  openapi: string; paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, Schema> };
};
let c: TestCollector;
beforeAll(async () => { c = await startTestCollector(); });
afterAll(async () => { await c?.close(); });

describe('OpenAPI document', () => {
  it('lists every registered route and nothing else', () => {
    const registered = new Set(c.routes
      .filter((r) => r.method !== 'HEAD' && !r.url.includes('*')) // HEAD mirrors GET; '*' is the CORS preflight catch-all
      .map((r) => `${r.method.toLowerCase()} ${r.url.replace(/:(\w+)/g, '{$1}')}`));
    registered.add('options /v1/batches'); // answered by the CORS plugin's catch-all
    const documented = new Set(Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`)));
    expect(doc.openapi).toMatch(/^3\./);
    expect([...documented].sort()).toEqual([...registered].sort());
  });

  it('documents the error statuses the ingest route really answers', async () => {
    const post = doc.paths['/v1/batches']!.post as { responses: Record<string, unknown> };
    for (const status of ['200', '400', '401', '403', '413', '415', '429']) expect(post.responses).toHaveProperty(status);
    const r = await fetch(`${c.url}/v1/batches`, { method: 'POST', body: '{}', headers: { 'content-type': 'image/png' } });
    expect(Object.keys(post.responses)).toContain(String(r.status));
  });

  it('documents every field of the release view and every admin action', async () => {
    const rc = await startTestCollector({ config: testConfig({ releases: fastReleases() }), manifest: writeManifest() });
    try {
      expect((await rc.post(releaseBatch({ n: 60 }, { n: 5 }))).status).toBe(200);
      const view = await until(async () => {
        const j = await (await admin(`${rc.url}/v1/releases/digits`)).json() as { releases: object[]; decisions: object[] };
        return j.decisions.length ? j : undefined;
      }, 'a decision');
      const get = (doc.paths['/v1/releases/{model}']!.get as { responses: { 200: { content: { 'application/json': { schema: Schema } } } } }).responses[200].content['application/json'].schema;
      expect(Object.keys(view).sort()).toEqual(Object.keys(get.properties).sort());
      const { ReleaseDecision, ReleaseState } = doc.components.schemas as Record<string, Schema>;
      expect(Object.keys(view.decisions[0]!).sort()).toEqual(Object.keys(ReleaseDecision!.properties).sort());
      expect(Object.keys(view.releases[0]!).sort()).toEqual(Object.keys(ReleaseState!.properties).sort());
      const action = (doc.paths['/v1/releases/{model}/{channel}/{action}']!.post as { parameters: { name: string; schema: { enum: string[] } }[] }).parameters.find((p) => p.name === 'action')!;
      expect(action.schema.enum.sort()).toEqual([...ADMIN_ACTIONS].sort());
    } finally {
      await rc.close();
    }
  });
});
