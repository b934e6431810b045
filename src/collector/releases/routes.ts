// Release routes: the public live manifest (ETag, max-age, CORS for the apps' origins; see
// server.ts), the admin view of a model's releases with their decisions, and admin actions.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CollectorError } from '../errors.js';
import { intParam, pathName } from '../query.js';
import { ACTION_BODY_MAX, actionReason, useActionBodyParser } from './action-body.js';
import type { ManifestSource } from '../manifest.js';
import type { GaugeSample } from '../metrics.js';
import type { Store } from '../store/types.js';
import { ADMIN_ACTIONS, type AdminAction, type ReleaseController } from './controller.js';
import { liveManifest, manifestBody, releaseKey } from './live-manifest.js';
import { unstartedPercent, type ReleasesConfig } from './policy.js';

export interface ReleaseRouteDeps {
  store: Store;
  manifest: ManifestSource;
  config: ReleasesConfig | undefined;
  controller: ReleaseController;
  admin: (req: FastifyRequest) => Promise<void>;
}

/** The live manifest as served (also used by `inferscope release publish`). */
export async function currentManifest({ store, manifest, config }: Pick<ReleaseRouteDeps, 'store' | 'manifest' | 'config'>) {
  const base = await manifest.manifest();
  if (!base.manifest) throw new CollectorError('UNAVAILABLE', 503, `no base manifest to serve: ${base.error}`);
  return manifestBody(liveManifest(base.manifest, config ? await store.releases.states() : [], config));
}

/** Registers the release routes in their own plugin scope (their body parser is not ingest's). */
export async function registerReleaseRoutes(app: FastifyInstance, deps: ReleaseRouteDeps): Promise<void> {
  await app.register(async (scope) => {
    useActionBodyParser(scope);
    releaseRoutes(scope, deps);
  });
}

function releaseRoutes(app: FastifyInstance, deps: ReleaseRouteDeps): void {
  const { store, config, controller, admin } = deps;
  const maxAge = config?.manifestMaxAgeSeconds ?? 60;
  // Every device revalidates this route: one database read per second per replica at most.
  // This replica's own decisions drop the copy at once; other replicas' show within 1 s.
  let cached: { at: number; committed: number; value: Promise<{ body: string; etag: string }> } | null = null;
  const live = () => {
    const now = Date.now();
    if (!cached || now - cached.at > 1000 || cached.committed !== controller.committed()) {
      const value = currentManifest(deps);
      cached = { at: now, committed: controller.committed(), value };
      value.catch(() => { if (cached?.value === value) cached = null; });
    }
    return cached.value;
  };

  app.get('/v1/manifest', async (req, reply) => {
    const { body, etag } = await live();
    reply.header('etag', etag).header('cache-control', `public, max-age=${maxAge}`).header('vary', 'origin');
    const inm = req.headers['if-none-match'];
    if (typeof inm === 'string' && inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) return reply.code(304).send();
    return reply.type('application/json; charset=utf-8').send(body);
  });

  app.get('/v1/releases/:model', { onRequest: admin }, async (req) => {
    const model = pathName((req.params as { model: string }).model, 'model');
    const limit = intParam((req.query as Record<string, unknown>).limit, 'limit', { min: 1, max: 1000, fallback: 100 });
    const managed = (await controller.managed()).filter((m) => m.model === model);
    const current = new Set(managed.map((m) => releaseKey(m.model, m.channel, m.ch.candidate.version)));
    const states = (await store.releases.states()).filter((s) => s.model === model);
    const stored = new Set(states.map((s) => releaseKey(s.model, s.channel, s.candidate)));
    return {
      model,
      configured: config !== undefined,
      // Candidates of the base manifest that no release has taken up yet ("admin" ones wait for a start).
      unstarted: managed.filter((m) => !stored.has(releaseKey(m.model, m.channel, m.ch.candidate.version))).map((m) => ({
        channel: m.channel, candidate: m.ch.candidate.version, stable: m.ch.version, start: m.policy.start, percent: unstartedPercent(m.policy), steps: m.policy.steps,
      })),
      releases: states.map((s) => {
        const policy = managed.find((m) => m.channel === s.channel)?.policy;
        return { ...s, current: current.has(releaseKey(s.model, s.channel, s.candidate)), ...(policy ? { steps: policy.steps, minPredictions: policy.minPredictions, minStepMs: policy.minStepMs } : {}) };
      }),
      decisions: await store.releases.decisions(model, limit),
    };
  });

  app.post('/v1/releases/:model/:channel/:action', { onRequest: admin, bodyLimit: ACTION_BODY_MAX }, async (req) => {
    const p = req.params as { model: string; channel: string; action: string };
    if (!ADMIN_ACTIONS.includes(p.action as AdminAction)) {
      throw new CollectorError('NOT_FOUND', 404, `unknown release action "${String(p.action).slice(0, 32)}"; use one of ${ADMIN_ACTIONS.join(', ')}`, { field: 'action' });
    }
    const model = pathName(p.model, 'model');
    const channel = pathName(p.channel, 'channel');
    return controller.act(model, channel, p.action as AdminAction, actionReason(req.body));
  });
}

/** inferscope_release_percent per current release (same value on every replica: use max()). */
export async function releaseGauges(controller: ReleaseController, store: Store): Promise<GaugeSample[]> {
  const managed = await controller.managed();
  if (!managed.length) return [];
  const states = new Map((await store.releases.states()).map((s) => [releaseKey(s.model, s.channel, s.candidate), s]));
  return managed.map((m) => {
    const s = states.get(releaseKey(m.model, m.channel, m.ch.candidate.version));
    const percent = !s ? unstartedPercent(m.policy) : s.status === 'rolled_back' ? 0 : s.percent;
    return { name: 'inferscope_release_percent', labels: { model: m.model, channel: m.channel, version: m.ch.candidate.version }, value: percent };
  });
}
