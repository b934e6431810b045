// Retry timing: jittered exponential backoff that never retries sooner than the
// server's Retry-After (RFC 9110 §10.2.3: delay-seconds or an HTTP-date).

export interface BackoffOptions {
  /** First retry delay in ms. Default 1000. */
  baseMs?: number;
  /** Longest delay between retries in ms. Default 300,000 (5 min). */
  maxMs?: number;
  random?: () => number;
}

/**
 * Delay before retry number `attempt` (0-based): "equal jitter" — half fixed, half
 * random — so a fleet of clients that failed together does not retry together.
 * @example backoffDelay(3) // between 4000 and 8000 ms
 */
export function backoffDelay(attempt: number, { baseMs = 1000, maxMs = 300_000, random = Math.random }: BackoffOptions = {}): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return exp / 2 + random() * (exp / 2);
}

/**
 * Retry-After in ms from now, or undefined when absent or unreadable.
 * @example parseRetryAfter('120', Date.now()) // 120000
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value == null) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return parseInt(v, 10) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
