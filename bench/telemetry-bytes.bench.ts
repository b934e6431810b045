// Bytes on the wire for 10,000 predictions of one model, through the real telemetry client
// (aggregation, JSON, gzip via CompressionStream — what a browser sends), versus streaming one
// JSON event per prediction carrying the same facts, measured in the same run.
// Targets: <= 2 KB per 10,000 predictions and >= 100x smaller than the event stream.
import { createTelemetry } from '../src/sdk/telemetry/index.js';
import type { PredictionEvent } from '../src/sdk/telemetry/types.js';
import type { FeatureBaseline } from '../src/protocol/manifest-types.js';

const N = 10_000;
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const labels = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
const FEATURES = 16;
const features: FeatureBaseline[] = Array.from({ length: FEATURES }, (_, j) => ({
  name: `feature_${j}`, index: j, edges: [-1.28, -0.84, -0.52, -0.25, 0, 0.25, 0.52, 0.84, 1.28], expected: new Array(10).fill(0.1),
}));

function gauss(): number {
  return Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
}

async function run(drift: boolean): Promise<{ wire: number; events: number }> {
  let wire = 0;
  const fetch = (async (_url: RequestInfo | URL, init?: RequestInit) => {
    const b = init!.body as string | Uint8Array;
    wire += typeof b === 'string' ? new TextEncoder().encode(b).length : b.byteLength;
    return new Response(null, { status: 204 });
  }) as typeof globalThis.fetch;
  const t = createTelemetry({ endpoint: 'https://collector.example/v1/batches', appKey: 'pk_bench', fetch, webVitals: false, flushIntervalMs: 3_600_000, installId: 'bench' });
  let events = 0;
  for (let i = 0; i < N; i++) {
    const row = Float32Array.from({ length: FEATURES }, gauss);
    const ms = Math.exp(0.7 + 0.35 * gauss()); // ~2 ms, long right tail
    const cls = Math.floor(Math.random() * 10);
    const score = 0.5 + 0.5 * Math.random();
    const id = crypto.randomUUID();
    const e: PredictionEvent = { id, model: 'digits', version: '1.3.0', backend: 'wasm', variant: 'stable', ms, top: [{ index: cls, label: labels[cls], score }] };
    if (drift) { e.baseline = { features }; e.inputs = () => [row]; }
    t.recordPrediction(e);
    // The alternative: one JSON event per prediction with the same facts (inputs only when drift is measured).
    const event = { type: 'prediction', id, ts: Date.now(), model: 'digits', version: '1.3.0', backend: 'wasm', variant: 'stable', ms: +ms.toFixed(3), label: labels[cls], score: +score.toFixed(4), ...(drift ? { inputs: Array.from(row, (v) => +v.toFixed(3)) } : {}) };
    events += new TextEncoder().encode(JSON.stringify(event)).length;
  }
  await t.flush();
  await t.dispose();
  return { wire, events };
}

for (const drift of [false, true]) {
  const rs: { wire: number; events: number }[] = [];
  for (let r = 0; r < ROUNDS; r++) rs.push(await run(drift));
  const value = median(rs.map((r) => r.wire));
  const baseline = median(rs.map((r) => r.events));
  const ratio = value / baseline;
  console.log(JSON.stringify({
    bench: 'telemetry-bytes', case: drift ? `10k predictions, ${FEATURES} features in drift bins` : '10k predictions, no drift bins',
    value, unit: 'bytes on the wire (gzip)', baseline, ratio: +ratio.toFixed(5), target: '<= 2048 bytes and ratio <= 0.01', pass: value <= 2048 && ratio <= 0.01,
  }));
}
