// Release routes: the public live manifest (ETag, max-age, CORS for the apps' origins; see
// server.ts), the admin view of a model's releases with their decisions, and admin actions.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CollectorError } from '../errors.js';
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

function name(v: unknown, field: string): string {
  if (typeof v !== 'string' || !v || v.length > 128) throw new CollectorError('BAD_REQUEST', 400, `${field} must be 1-128 characters`, { field });
  return v;
}

export function registerReleaseRoutes(app: FastifyInstance, deps: ReleaseRouteDeps): void {
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

  app.get('/v1/releases/:model', { preHandler: admin }, async (req) => {
    const model = name((req.params as { model: string }).model, 'model');
    const q = req.query as Record<string, unknown>;
    const limit = q.limit === undefined ? 100 : Number(q.limit);
    if (!(Number.isInteger(limit) && limit > 0 && limit <= 1000)) throw new CollectorError('BAD_REQUEST', 400, 'limit must be an integer 1-1000', { field: 'limit' });
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

  app.post('/v1/releases/:model/:channel/:action', { preHandler: admin }, async (req) => {
    const p = req.params as { model: string; channel: string; action: string };
    if (!ADMIN_ACTIONS.includes(p.action as AdminAction)) {
      throw new CollectorError('NOT_FOUND', 404, `unknown release action "${String(p.action).slice(0, 32)}"; use one of ${ADMIN_ACTIONS.join(', ')}`, { field: 'action' });
    }
    const body = (req.body ?? {}) as Record<string, unknown>;
    const reason = body && typeof body === 'object' && typeof body.reason === 'string' ? body.reason.slice(0, 200) : '';
    return controller.act(name(p.model, 'model'), name(p.channel, 'channel'), p.action as AdminAction, reason);
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
