// Real Chromium: telemetry.explainSampleRate explains sampled predictions when the page is idle
// (requestIdleCallback) and only per-feature importance leaves the page. Direct mode and worker
// mode (explain and telemetry in the worker; its sink is test/browser/sink-worker.ts).
import { describe, expect, test } from 'vitest';
import { createClient, type ClientOptions } from '../../src/index.js';
import type { Batch } from '../../src/protocol/wire-types.js';

/** Where batches are written down, and the client options that send them there, per mode. */
function sink(mode: string): { sent: Batch[]; options: Partial<ClientOptions>; telemetryFetch?: typeof fetch } {
  const sent: Batch[] = [];
  if (mode === 'direct') {
    // The collector's side of the wire, written down (web-vitals' e2e loop, without a server).
    const telemetryFetch = (async (_url: RequestInfo | URL, init?: RequestInit) => {
      sent.push(JSON.parse(typeof init?.body === 'string' ? init.body : new TextDecoder().decode(init?.body as ArrayBuffer)));
      return new Response(null, { status: 204 });
    }) as typeof globalThis.fetch;
    return { sent, options: {}, telemetryFetch };
  }
  const worker = new Worker(new URL('./sink-worker.ts', import.meta.url), { type: 'module' });
  worker.addEventListener('message', (e: MessageEvent) => { if (typeof e.data?.sinkBody === 'string') sent.push(JSON.parse(e.data.sinkBody)); });
  return { sent, options: { worker, workerFallback: false } };
}

describe.each(['direct', 'worker'])('%s mode', (mode) => {
  test('sampled predictions of the shipped penguins model arrive as importance per feature', async () => {
    const { sent, options, telemetryFetch } = sink(mode);
    const events: string[] = [];
    const client = createClient({
      manifestUrl: '/models/manifest.json', backends: ['wasm'], assetsUrl: '/node_modules/@tensorflow/tfjs-backend-wasm/dist/',
      idbFactory: false, cache: false, onDeliveryEvent: (e) => events.push(e.type), ...options,
      telemetry: { endpoint: 'https://collector.invalid/v1/batches', appKey: 'pk_test', explainSampleRate: 1, compress: false, webVitals: false, fetch: telemetryFetch },
    });
    const model = await client.load('penguins');
    expect(events.includes('worker-started')).toBe(mode === 'worker');
    const idle = new Promise<void>((r) => requestIdleCallback(() => r()));
    const row = [46.6, 17.8, 193, 3.8];
    await model.predict(row);
    await idle;
    let importance: Record<string, { sum: number; n: number }> | undefined;
    // Bounded by time, not by 60 turns: the sampled explanation runs in idle time, late on a loaded machine.
    for (const end = Date.now() + 60_000; !importance && Date.now() < end;) {
      await new Promise((r) => setTimeout(r, 100));
      await client.flush();
      importance = sent.flatMap((b) => b.models).find((m) => m.importance)?.importance;
    }
    expect(Object.keys(importance ?? {})).toEqual(['beak_length_mm', 'beak_depth_mm', 'flipper_length_mm', 'body_mass_kg']);
    expect(Object.values(importance!).every((v) => v.n === 1 && v.sum >= 0)).toBe(true);
    // No raw input value travels (the decimals are distinctive; integers could collide with sketch offsets).
    expect(JSON.stringify(sent)).not.toMatch(/\b(46\.6|17\.8)\b/);
    await client.dispose();
  });
});
