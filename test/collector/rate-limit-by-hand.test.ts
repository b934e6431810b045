// The ingest route's rate limit by hand (src/collector/rate-limit.ts) answers what
// @fastify/rate-limit answered with the collector's former route config: the same status,
// X-RateLimit-* and Retry-After headers and 429 message for generated request sequences
// (clients x limits x windows x clock steps, with a small client cache so forgetting the
// least recently seen client is exercised too). Both apps run on one faked clock.
import rateLimit from '@fastify/rate-limit';
import fc from 'fast-check';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRateLimiter, longDuration } from '../../src/collector/rate-limit.js';

const CACHE = 4;
const message = (max: number, after: string) => `rate limit of ${max} requests per ${after} for this client`;
const limitOf = (req: FastifyRequest) => {
  const q = req.query as { max: string; win: string };
  return { max: Number(q.max), windowMs: Number(q.win) };
};
const errorHandler = (app: FastifyInstance) => app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => reply.code(err.statusCode ?? 500).send({ message: err.message }));

async function reference(): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(rateLimit, { global: false, errorResponseBuilder: (_req, ctx) => Object.assign(new Error(message(ctx.max, ctx.after)), { statusCode: 429 }) });
  errorHandler(app);
  app.post('/v1/batches', {
    config: { rateLimit: { hook: 'preHandler', cache: CACHE, keyGenerator: (req: FastifyRequest) => String(req.headers['x-client']), max: (req: FastifyRequest) => limitOf(req).max, timeWindow: (req: FastifyRequest) => limitOf(req).windowMs } },
  }, async () => ({ ok: true }));
  return app;
}

async function byHand(): Promise<FastifyInstance> {
  const app = Fastify();
  const limit = createRateLimiter({ maxClients: CACHE });
  errorHandler(app);
  app.post('/v1/batches', {
    preHandler: (req, reply, done) => {
      const { max, windowMs } = limitOf(req);
      const v = limit(reply, String(req.headers['x-client']), max, windowMs);
      if (v.exceeded) throw Object.assign(new Error(message(max, longDuration(v.resetSeconds * 1000))), { statusCode: 429 });
      done();
    },
  }, async () => ({ ok: true }));
  return app;
}

let ref: FastifyInstance;
let mine: FastifyInstance;
beforeAll(async () => { [ref, mine] = await Promise.all([reference(), byHand()]); await Promise.all([ref.ready(), mine.ready()]); });
afterAll(async () => { await Promise.all([ref?.close(), mine?.close()]); });
beforeEach(() => { vi.useFakeTimers({ toFake: ['Date'] }); });
afterEach(() => { vi.useRealTimers(); });

const visible = (r: { statusCode: number; headers: Record<string, unknown>; body: string }) => ({
  status: r.statusCode, limit: r.headers['x-ratelimit-limit'], remaining: r.headers['x-ratelimit-remaining'],
  reset: r.headers['x-ratelimit-reset'], retryAfter: r.headers['retry-after'], body: r.statusCode === 429 ? r.body : '',
});

describe('rate limit by hand = @fastify/rate-limit with the former route config', () => {
  it('same answers for generated request sequences', async () => {
    const step = fc.record({ client: fc.integer({ min: 0, max: 6 }), advanceMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2500 }), fc.integer({ min: 0, max: 200_000 })) });
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 1, max: 4 }), fc.constantFrom(1000, 1500, 60_000, 3_600_000, 90_000_000), fc.array(step, { minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 1e9 }),
      async (max, win, steps, run) => {
        let t = 1_800_000_000_000 + run;
        for (const { client, advanceMs } of steps) {
          vi.setSystemTime((t += advanceMs));
          const req = { method: 'POST' as const, url: `/v1/batches?max=${max}&win=${win}`, headers: { 'x-client': `${run}-${client}` }, payload: {} };
          const a = await ref.inject(req);
          const b = await mine.inject(req);
          expect(visible(b)).toEqual(visible(a));
        }
      },
    ), { numRuns: 150 });
  });

  it('pins what a client sees: the budget, then 429 with Retry-After until the window ends', async () => {
    vi.setSystemTime(2_000_000_000_000);
    const post = () => mine.inject({ method: 'POST', url: '/v1/batches?max=2&win=60000', headers: { 'x-client': 'pin' }, payload: {} });
    expect((await post()).headers).toMatchObject({ 'x-ratelimit-limit': '2', 'x-ratelimit-remaining': '1', 'x-ratelimit-reset': '60' });
    await post();
    vi.setSystemTime(2_000_000_000_000 + 30_500);
    const limited = await post();
    expect(limited.statusCode).toBe(429);
    expect(limited.headers).toMatchObject({ 'retry-after': '30', 'x-ratelimit-remaining': '0' });
    expect(limited.json().message).toBe('rate limit of 2 requests per 30 seconds for this client');
    vi.setSystemTime(2_000_000_000_000 + 60_000);
    expect((await post()).statusCode).toBe(200);
  });
});
