// Per-client rate limit of the ingest route, by hand: one synchronous Map lookup per
// request. @fastify/rate-limit did the same count through an async hook with four awaits
// (key, max, window, store) per request, which cost as much CPU as the whole CORS step
// (in-process A/B in the commit). Same semantics as its in-memory store, so clients see no
// change: a fixed window per client that starts at the client's first request, at most
// `maxClients` clients remembered (least recently seen forgotten first, as its LRU did), the
// X-RateLimit-Limit/-Remaining/-Reset headers on every answer, and Retry-After on a 429.
// test/collector/rate-limit-by-hand.test.ts checks it against the plugin, request by request.
import type { FastifyReply } from 'fastify';

export interface RateLimitOptions {
  /** Clients remembered at once (the plugin's default cache size). */
  maxClients?: number;
  now?: () => number;
}

/** What one request used: exceeded means answer 429 after `resetSeconds`. */
export interface RateVerdict { max: number; remaining: number; resetSeconds: number; exceeded: boolean }

/**
 * Counts one request of `client` against `max` per `windowMs` and sets the rate-limit headers.
 * @example const limit = createRateLimiter(); if (limit(reply, key, 600, 60_000).exceeded) throw …
 */
export function createRateLimiter({ maxClients = 5000, now = () => Date.now() }: RateLimitOptions = {}): (reply: FastifyReply, client: string, max: number, windowMs: number) => RateVerdict {
  // Map order is insertion order: re-inserting on every hit keeps the least recently seen first.
  const windows = new Map<string, { count: number; start: number }>();
  return (reply, client, max, windowMs) => {
    const t = now();
    let w = windows.get(client);
    let ttl = windowMs;
    if (w === undefined) {
      w = { count: 1, start: t };
      windows.set(client, w);
      if (windows.size > maxClients) windows.delete(windows.keys().next().value!);
    } else {
      windows.delete(client);
      windows.set(client, w);
      if (w.start + windowMs <= t) { w.count = 1; w.start = t; } else { w.count++; ttl = windowMs - (t - w.start); }
    }
    const resetSeconds = Math.ceil(ttl / 1000);
    const exceeded = w.count > max;
    const remaining = exceeded ? 0 : Math.max(0, max - w.count);
    reply.header('x-ratelimit-limit', max);
    reply.header('x-ratelimit-remaining', remaining);
    reply.header('x-ratelimit-reset', resetSeconds);
    if (exceeded) reply.header('retry-after', resetSeconds);
    return { max, remaining, resetSeconds, exceeded };
  };
}

/** A duration as the plugin's 429 message wrote it ("1 minute", "30 seconds", "2 hours"). */
export function longDuration(ms: number): string {
  const unit = ms < 1000 ? null : ms < 60_000 ? ['second', 1000] as const : ms < 3_600_000 ? ['minute', 60_000] as const : ms < 86_400_000 ? ['hour', 3_600_000] as const : ['day', 86_400_000] as const;
  if (!unit) return `${ms} ms`;
  const v = ms / unit[1];
  const n = (v | 0) === v ? v : ~~(v + 0.5);
  return `${n} ${unit[0]}${n !== 1 ? 's' : ''}`;
}
