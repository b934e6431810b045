// Worker mode must be indistinguishable from direct mode except for where the work runs.
// Generated sequences of client calls (fast-check): loads of good and bad ids and URLs, predicts
// with good and wrong shapes and types, explain, feedback, evict, cached, flush, dispose (of a
// model and of the client) and calls after dispose, run once on a direct-mode client and once on
// a worker-mode client in real Chromium. Every call's result, every error's code and message, the
// delivery events and the telemetry that reaches the collector's side of the wire must be equal.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { createClient, type Client, type ClientOptions, type Model } from '../../src/index.js';
import type { Batch } from '../../src/protocol/wire-types.js';

const GOOD_ROW = [46.6, 17.8, 193, 3.8];

type Cmd =
  | { op: 'load'; target: 'id' | 'bad-id' | 'url' | 'bad-url' }
  | { op: 'predict' | 'explain'; input: 'row' | 'typed' | 'batch' | 'short' | 'strings' | 'object' | 'nested-deep' }
  | { op: 'feedback'; which: 'last' | 'unknown'; label: string }
  | { op: 'evict' | 'cached' | 'flush' | 'dispose' | 'dispose-model' };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('load' as const), target: fc.constantFrom('id' as const, 'bad-id' as const, 'url' as const, 'bad-url' as const) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constantFrom('predict' as const, 'explain' as const), input: fc.constantFrom('row' as const, 'typed' as const, 'batch' as const, 'short' as const, 'strings' as const, 'object' as const, 'nested-deep' as const) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('feedback' as const), which: fc.constantFrom('last' as const, 'unknown' as const), label: fc.constantFrom('Adelie', 'Gentoo', 'Chinstrap', 'nope') }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constantFrom('evict' as const, 'cached' as const, 'flush' as const, 'dispose' as const, 'dispose-model' as const) }) },
);

/** A fresh input per call: worker mode transfers typed arrays (the caller's is emptied). */
function input(kind: Extract<Cmd, { input: unknown }>['input']): unknown {
  switch (kind) {
    case 'row': return GOOD_ROW.slice();
    case 'typed': return Float32Array.from(GOOD_ROW);
    case 'batch': return [GOOD_ROW.slice(), GOOD_ROW.map((v) => v * 1.01)];
    case 'short': return GOOD_ROW.slice(0, 3);
    case 'strings': return ['a', 'b', 'c', 'd'];
    case 'object': return { beak: 1 };
    case 'nested-deep': return [[[GOOD_ROW.slice()]]];
  }
}

const round = (x: unknown): unknown =>
  typeof x === 'number' ? Math.round(x * 1e5) / 1e5
    : ArrayBuffer.isView(x) ? Array.from(x as Float32Array, (v) => round(v))
      : Array.isArray(x) ? x.map(round)
        : x && typeof x === 'object' ? Object.fromEntries(Object.entries(x).filter(([k]) => k !== 'id' && k !== 'ms').map(([k, v]) => [k, round(v)]))
          : x;

// tfjs layers models number their input names per load in one engine ('dense1_input_2'): the page's
// engine has seen every earlier run's loads, each worker a fresh engine; the number is not the mode's.
const failure = (err: unknown) => {
  const e = err as { name?: string; code?: string; message?: string };
  return { error: e?.code ?? e?.name ?? String(err), message: e?.message?.replace(/'(\w+?_input)_\d+'/g, "'$1'") };
};

/** Where batches are written down, per mode (test/browser/sink-worker.ts in worker mode). */
function sink(mode: string): { sent: Batch[]; options: Partial<ClientOptions> } {
  const sent: Batch[] = [];
  const body = (b: unknown) => (typeof b === 'string' ? b : new TextDecoder().decode(b as ArrayBuffer));
  if (mode === 'direct') {
    const fetch = (async (_u: RequestInfo | URL, init?: RequestInit) => { sent.push(JSON.parse(body(init?.body))); return new Response(null, { status: 204 }); }) as typeof globalThis.fetch;
    return { sent, options: { telemetry: { endpoint: 'https://collector.invalid/v1/batches', appKey: 'pk_parity', compress: false, webVitals: false, flushIntervalMs: 3_600_000, fetch } } };
  }
  const worker = new Worker(new URL('./sink-worker.ts', import.meta.url), { type: 'module' });
  worker.addEventListener('message', (e: MessageEvent) => { if (typeof e.data?.sinkBody === 'string') sent.push(JSON.parse(e.data.sinkBody)); });
  return { sent, options: { worker, workerFallback: false, telemetry: { endpoint: 'https://collector.invalid/v1/batches', appKey: 'pk_parity', compress: false, webVitals: false, flushIntervalMs: 3_600_000 } } };
}

/** What the collector would count from `sent`, without what depends on time or randomness. */
function telemetryTotals(sent: Batch[]) {
  const models: Record<string, unknown> = {};
  for (const m of sent.flatMap((b) => b.models)) {
    const key = `${m.model}@${m.version}/${m.backend}/${m.variant}`;
    const t = (models[key] ??= { predictions: 0, errors: {}, classes: {}, scores: [], confusion: [], latencyCount: 0 }) as { predictions: number; errors: Record<string, number>; classes: Record<string, number>; scores: number[]; confusion: unknown[]; latencyCount: number };
    t.predictions += m.predictions;
    t.latencyCount += m.latency.count;
    for (const [k, n] of Object.entries(m.errors)) t.errors[k] = (t.errors[k] ?? 0) + n;
    for (const [k, n] of Object.entries(m.classes)) t.classes[k] = (t.classes[k] ?? 0) + n;
    m.scores.forEach((n, i) => { t.scores[i] = (t.scores[i] ?? 0) + n; });
    t.confusion.push(...(m.confusion ?? []));
  }
  const loads = sent.flatMap((b) => b.loads).map((l) => `${l.model}@${l.version}/${l.backend}/${l.source}/${l.error ?? 'ok'}x${l.count}`).sort();
  return { models, loads };
}

async function run(mode: string, cmds: Cmd[], urls: { good: string; bad: string }) {
  const { sent, options } = sink(mode);
  const events: string[] = [];
  const client: Client = createClient({
    manifestUrl: '/models/manifest.json', backends: ['cpu'], idbFactory: false, cache: false,
    onDeliveryEvent: (e) => { if (e.type !== 'worker-started') events.push(e.type); }, ...options,
  });
  const out: unknown[] = [];
  let model: Model | undefined;
  let lastId = 'none';
  for (const c of cmds) {
    try {
      switch (c.op) {
        case 'load': {
          const target = c.target === 'id' ? 'penguins' : c.target === 'bad-id' ? 'no-such-model' : { url: c.target === 'url' ? urls.good : urls.bad };
          const m = typeof target === 'string' ? await client.load(target) : await client.load(target);
          model = m;
          out.push({ id: m.id, version: m.version, backend: m.backend, format: m.format, fallbacks: m.fallbacks });
          break;
        }
        case 'predict': {
          if (!model) { out.push('no model'); break; }
          const r = await model.predict(input(c.input) as never);
          lastId = r.id;
          out.push(round({ ...r, idIsText: typeof r.id === 'string' && r.id.length > 0 }));
          break;
        }
        case 'explain':
          if (!model) { out.push('no model'); break; }
          out.push(round(await model.explain(input(c.input) as never)));
          break;
        case 'feedback': out.push(await client.feedback(c.which === 'last' ? lastId : 'unknown-id', c.label)); break;
        case 'evict': out.push(await client.evict('penguins')); break;
        case 'cached': out.push(await client.cached()); break;
        case 'flush': out.push(await client.flush()); break;
        case 'dispose': out.push(await client.dispose()); break;
        case 'dispose-model': out.push(model ? model.dispose() : 'no model'); break;
      }
    } catch (err) {
      out.push(failure(err));
    }
  }
  await client.flush().catch(() => {});
  await client.dispose();
  return { out, events: events.slice().sort(), telemetry: telemetryTotals(sent) };
}

describe('worker mode parity (generated call sequences, Chromium)', () => {
  test('every call sequence gives the same results, errors, delivery events and telemetry in both modes', async () => {
    const urls = { good: new URL('/models/penguins/1.0.0/uint8/model.json', location.href).href, bad: new URL('/models/no-such/model.json', location.href).href };
    await fc.assert(fc.asyncProperty(fc.array(cmd, { minLength: 1, maxLength: 10 }), async (cmds) => {
      const direct = await run('direct', cmds, urls);
      const worker = await run('worker', cmds, urls);
      expect(worker.out).toEqual(direct.out);
      expect(worker.events).toEqual(direct.events);
      expect(worker.telemetry).toEqual(direct.telemetry);
    }), { numRuns: 25, seed: 20261207, endOnFailure: true });
  }, 600_000);
});
