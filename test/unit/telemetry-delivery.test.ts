// Delivery in Node with fake timers: an in-memory fetch double plays the collector,
// fake-indexeddb plays IndexedDB (the outbox code is the real one).
import 'fake-indexeddb/auto';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createTelemetry, type TelemetryOptions } from '../../src/sdk/telemetry/index.js';
import { backoffDelay, parseRetryAfter } from '../../src/sdk/telemetry/backoff.js';
import { isInferScopeError } from '../../src/sdk/errors.js';
import { validateBatch } from '../../src/protocol/wire.js';
import type { Batch } from '../../src/protocol/wire-types.js';
import type { PredictionEvent } from '../../src/sdk/telemetry/types.js';

type Answer = { status: number; headers?: Record<string, string> } | 'network-error' | 'hang';
interface Arrival { url: string; at: number; batch: Batch; gzip: boolean; status: number | string }

/** A collector double: answers from a script, writes down every request it saw. */
function fakeCollector(script: (n: number) => Answer = () => ({ status: 204 })) {
  const arrivals: Arrival[] = [];
  const fetch = async (url: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const h = new Headers(init?.headers);
    const gzip = h.get('content-encoding') === 'gzip';
    const raw = gzip ? gunzipSync(init!.body as Uint8Array).toString() : String(init!.body);
    const answer = script(arrivals.length);
    const batch = JSON.parse(raw) as Batch;
    arrivals.push({ url: String(url), at: Date.now(), batch, gzip, status: typeof answer === 'string' ? answer : answer.status });
    expect(validateBatch(batch)).toMatchObject({ ok: true });
    if (answer === 'network-error') throw new TypeError('Failed to fetch');
    if (answer === 'hang') return new Promise<Response>(() => {});
    return new Response(answer.status === 204 ? null : '{}', { status: answer.status, headers: answer.headers });
  };
  /** Predictions that the collector accepted, counting each batch id once. */
  const accepted = () => {
    const seen = new Map<string, Batch>();
    for (const a of arrivals) if (typeof a.status === 'number' && a.status < 300) seen.set(a.batch.batchId, a.batch);
    return [...seen.values()].reduce((n, b) => n + b.models.reduce((m, x) => m + x.predictions, 0), 0);
  };
  return { arrivals, fetch: fetch as typeof globalThis.fetch, accepted };
}

const pred = (i: number): PredictionEvent => ({ id: `p${i}`, model: 'digits', version: '1.0.0', backend: 'cpu', variant: 'stable', ms: 2, top: [{ index: i % 10, score: 0.9 }] });
/** Let promises and fake-indexeddb (setImmediate, not faked) run without moving the clock. */
async function settle(rounds = 30) {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}
/** Run tasks (not the clock) until `cond` holds; fails loudly instead of hanging. Bounded by
 *  real time (performance.now is not faked), not by a count of loop turns: gzip runs on libuv's
 *  thread pool, and on a loaded 2-core machine it can take many turns to come back. */
async function until(cond: () => boolean, what = 'condition') {
  const deadline = performance.now() + 60_000; // only ends a hang: a loaded CI machine took longer than 15 s
  while (!cond() && performance.now() < deadline) await new Promise((r) => setImmediate(r));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
}
/** Like until(), but moves the fake clock in 250 ms steps while waiting, so backoff timers that
 *  were armed late (slow gzip/IDB on a loaded machine) still fire. Bounded by real time. */
async function untilAdvancing(cond: () => boolean, what = 'condition') {
  const deadline = performance.now() + 60_000; // only ends a hang: a loaded CI machine took longer than 15 s
  while (!cond() && performance.now() < deadline) { await vi.advanceTimersByTimeAsync(250); await settle(5); }
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
}
/** Move the fake clock in steps, letting real async work (IDB, gzip) run between them. */
async function runFor(ms: number, step = 250) {
  for (let t = 0; t < ms; t += step) { await vi.advanceTimersByTimeAsync(Math.min(step, ms - t)); await settle(20); }
}
let dbCounter = 0;
const opts = (c: ReturnType<typeof fakeCollector>, extra: Partial<TelemetryOptions> = {}): TelemetryOptions => ({
  // A distinct endpoint per test gives each its own IndexedDB outbox.
  endpoint: `https://collector.test/v1/batches?t=${++dbCounter}`, appKey: 'pk_test', fetch: c.fetch, webVitals: false, ...extra,
});

beforeEach(() => { vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] }); });
afterEach(() => { vi.useRealTimers(); });

describe('delivery', () => {
  test('flush sends one gzip batch with the key in the URL; counts add up', async () => {
    const c = fakeCollector();
    const t = createTelemetry(opts(c));
    for (let i = 0; i < 500; i++) t.recordPrediction(pred(i));
    await t.flush();
    expect(c.arrivals).toHaveLength(1);
    expect(c.arrivals[0]!.url).toMatch(/[?&]key=pk_test/);
    expect(c.arrivals[0]!.gzip).toBe(true);
    expect(c.accepted()).toBe(500);
    await t.flush(); // nothing new: nothing sent
    expect(c.arrivals).toHaveLength(1);
    await t.dispose();
  });

  test('a batch leaves on the timer and on size, without flush()', async () => {
    const c = fakeCollector();
    const t = createTelemetry(opts(c, { flushIntervalMs: 10_000, maxBatchPredictions: 100 }));
    for (let i = 0; i < 100; i++) t.recordPrediction(pred(i));
    await vi.advanceTimersByTimeAsync(1);
    await until(() => c.arrivals.length === 1, 'the size flush');
    for (let i = 0; i < 7; i++) t.recordPrediction(pred(i));
    await settle();
    expect(c.arrivals).toHaveLength(1); // 7 < 100: no size flush
    await vi.advanceTimersByTimeAsync(10_000);
    await until(() => c.arrivals.length === 2, 'the timer flush');
    expect(c.accepted()).toBe(107);
    await t.dispose();
  });

  test('500 then 200: retried after backoff with the same batch id; exactly N after dedup', async () => {
    const c = fakeCollector((n) => (n === 0 ? { status: 500 } : { status: 200 }));
    const t = createTelemetry(opts(c));
    for (let i = 0; i < 42; i++) t.recordPrediction(pred(i));
    await t.flush(); // resolves once persisted in the outbox
    expect(c.arrivals).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_100);
    await until(() => c.arrivals.length === 2, 'the retry');
    expect(c.arrivals[1]!.batch.batchId).toBe(c.arrivals[0]!.batch.batchId);
    expect(c.accepted()).toBe(42);
    await t.dispose();
  });

  test('429 with Retry-After (seconds) is honoured over the shorter backoff', async () => {
    const c = fakeCollector((n) => (n === 0 ? { status: 429, headers: { 'retry-after': '120' } } : { status: 204 }));
    const t = createTelemetry(opts(c));
    t.recordPrediction(pred(1));
    await t.flush();
    await vi.advanceTimersByTimeAsync(119_000); await settle();
    t.recordPrediction(pred(2));
    await t.flush(); // during the wait: persisted, not sent
    expect(c.arrivals).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_500);
    await until(() => c.arrivals.length === 3, 'both batches after Retry-After');
    expect(c.arrivals[1]!.at - c.arrivals[0]!.at).toBeGreaterThanOrEqual(120_000);
    expect(c.accepted()).toBe(2);
    await t.dispose();
  });

  test('Retry-After as an HTTP date', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:01:30 GMT', now)).toBe(90_000);
    expect(parseRetryAfter('30', now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  test('backoff grows exponentially with jitter and is capped', () => {
    expect(backoffDelay(0, { random: () => 0 })).toBe(500);
    expect(backoffDelay(0, { random: () => 1 })).toBe(1000);
    expect(backoffDelay(3, { random: () => 0.5 })).toBe(6000);
    expect(backoffDelay(40, { random: () => 1 })).toBe(300_000);
  });

  test('endpoint down for hours: retries spread out, outbox bounded, drops reported when it is back', async () => {
    let down = true;
    const c = fakeCollector(() => (down ? 'network-error' : { status: 204 }));
    const t = createTelemetry(opts(c, { flushIntervalMs: 60_000, outbox: { maxBatches: 5 } }));
    for (let minute = 0; minute < 180; minute++) {
      t.recordPrediction(pred(minute));
      await vi.advanceTimersByTimeAsync(60_000);
      await t.flush(); // wait until this minute's batch is sent or persisted
    }
    // 180 windows in 3 h. While backing off, batches are persisted, not sent: with
    // backoff doubling to 5 min (equal jitter: 2.5..5 min), 36 to 72 attempts are
    // expected in 3 h, one probe per period, not one per batch.
    const attempts = c.arrivals.length;
    expect(attempts).toBeGreaterThan(20);
    expect(attempts).toBeLessThan(75);
    const gaps = c.arrivals.slice(12).map((a, i) => a.at - c.arrivals[11 + i]!.at);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(150_000); // backoff reached its 2.5..5 min plateau
    down = false;
    await vi.advanceTimersByTimeAsync(300_000);
    await until(() => c.arrivals.some((a) => a.status === 204), 'recovery');
    await settle();
    t.recordPrediction(pred(999));
    await t.flush();
    const ok = c.arrivals.filter((a) => a.status === 204).map((a) => a.batch);
    expect(new Set(ok.map((b) => b.batchId)).size).toBe(6); // 5 kept in the outbox + the new one
    const dropped = ok.reduce((s, b) => s + b.dropped.outbox, 0);
    expect(dropped).toBe(180 - 5); // every lost batch is reported, even those lost with the batches that carried earlier counts
    expect(c.accepted()).toBe(6);
    await t.dispose();
  });

  test('a 400 is not retried (the collector refused the batch itself)', async () => {
    const c = fakeCollector(() => ({ status: 400 }));
    const t = createTelemetry(opts(c));
    t.recordPrediction(pred(1));
    await t.flush();
    await vi.advanceTimersByTimeAsync(600_000); await settle();
    expect(c.arrivals).toHaveLength(1);
    await t.dispose();
  });

  test('the in-memory queue is bounded and what it drops is reported in a later batch', async () => {
    // The first request hangs until the client's 15 s timeout aborts it; meanwhile 5 more
    // batches are handed over, and only 3 fit in the queue.
    let calls = 0;
    const c = fakeCollector(() => (calls++ === 0 ? 'hang' : { status: 204 }));
    const hanging = c.fetch;
    const fetch = ((url: string, init: RequestInit) => {
      const p = hanging(url, init);
      return new Promise((resolve, reject) => {
        init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
        p.then(resolve, reject);
      });
    }) as typeof globalThis.fetch;
    const t = createTelemetry(opts(c, { fetch, maxQueueBatches: 3 }));
    await t.flush(); // nothing to send yet; lets the install hash settle so each flush below takes one window
    for (let i = 0; i < 6; i++) { t.recordPrediction(pred(i)); void t.flush(); await settle(5); }
    await runFor(20_000);
    await untilAdvancing(() => c.arrivals.length >= 4, 'the retries');
    t.recordPrediction(pred(99));
    await t.flush();
    const ok = c.arrivals.filter((a) => a.status === 204).map((a) => a.batch);
    expect(ok.reduce((s, b) => s + b.dropped.queue, 0)).toBe(3);
    expect(c.accepted()).toBe(7 - 3);
    await t.dispose();
  });

  test('telemetry off, no endpoint, bad options', async () => {
    for (const off of [undefined, false, {}] as const) {
      const t = createTelemetry(off as TelemetryOptions);
      t.recordPrediction(pred(1));
      expect(await t.feedback('p1', 'x')).toBe(false);
      await t.flush(); await t.dispose();
    }
    const bad = (o: Partial<TelemetryOptions>) => () => createTelemetry({ endpoint: 'https://c.test/v1/batches', ...o });
    for (const o of [{ sampleRate: 0 }, { sampleRate: 1.5 }, { privacy: { epsilon: -1 } }, { flushIntervalMs: 1 }, { endpoint: 'http://[bad' }]) {
      let err: unknown;
      try { bad(o)(); } catch (e) { err = e; }
      expect(isInferScopeError(err, 'TELEMETRY'), JSON.stringify(o)).toBe(true);
    }
  });

  test('a fetch that throws synchronously never reaches the page; dispose is idempotent and stops timers', async () => {
    const t = createTelemetry({ endpoint: 'https://c.test/x', webVitals: false, fetch: (() => { throw new Error('boom'); }) as typeof fetch });
    t.recordPrediction(pred(1));
    await expect(t.flush()).resolves.toBeUndefined();
    const c = fakeCollector();
    const t2 = createTelemetry(opts(c, { flushIntervalMs: 1000 }));
    t2.recordPrediction(pred(1));
    await Promise.all([t2.dispose(), t2.dispose()]);
    expect(c.arrivals).toHaveLength(1); // dispose flushed once
    t2.recordPrediction(pred(2));
    await vi.advanceTimersByTimeAsync(10_000); await settle();
    expect(c.arrivals).toHaveLength(1);
  });
});
