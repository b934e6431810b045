// Browser side of the release e2e test (bundled by release-chromium.test.ts): one "device"
// per page. It loads a model through the collector's live manifest with a fixed install id
// (so the test knows its rollout bucket), predicts labelled digits, sends the true label as
// feedback, and flushes telemetry. The handle revalidates the manifest on predict, as an app's would.
// With ?mode=worker the same client runs in worker mode (createClient({ worker: '/worker.js' })).
import '@tensorflow/tfjs-backend-cpu';
import { createClient } from '../../src/sdk/client.js';
import type { Model } from '../../src/sdk/model.js';

interface Samples { samples: { input: number[]; label: string }[] }

let client: ReturnType<typeof createClient>;
let model: Model;
let samples: Samples;
let next = 0;
const events: string[] = [];
const errors: string[] = [];

const device = {
  async start(o: { manifestUrl: string; endpoint: string; installId: string; model: string; samplesUrl: string }) {
    samples = (await (await fetch(o.samplesUrl)).json()) as Samples;
    client = createClient({
      manifestUrl: o.manifestUrl, backends: ['cpu'], cache: false, manifestMaxAgeMs: 100,
      telemetry: { endpoint: o.endpoint, installId: o.installId, webVitals: false, flushIntervalMs: 3_600_000 },
      onDeliveryEvent: (e) => { events.push(e.type); },
      worker: new URLSearchParams(location.search).get('mode') === 'worker' && '/worker.js', workerFallback: false,
    });
    model = await client.load(o.model, { channel: 'stable' });
    return model.version;
  },
  /** n predictions with feedback, then one flush; resolves with the version serving now. */
  async run(n: number) {
    for (let i = 0; i < n; i++) {
      const s = samples.samples[next++ % samples.samples.length]!;
      try {
        const r = await model.predict(Float32Array.from(s.input));
        await client.feedback(r.id, s.label);
      } catch (err) {
        errors.push((err as { code?: string }).code ?? String(err)); // telemetry counts it too
      }
    }
    await client.flush();
    return model.version;
  },
  events: () => events,
  errors: () => errors,
};

(globalThis as { device?: typeof device }).device = device;
