// The digits data files committed next to the models: samples.json (300 held-out test
// digits, labelled, for the demo's accuracy panel and `quantize --eval`) and
// train-sample.json (500 training digits, the input of `inferscope baseline`).
import { join } from 'node:path';
import type { DigitSet } from './mnist-data.js';
import { writeSamples } from './write-samples.js';

const LABELS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

function rows(set: DigitSet, count: number, decimals: number) {
  const f = 10 ** decimals;
  return Array.from({ length: Math.min(count, set.n) }, (_, i) => ({
    input: Array.from(set.pixels.subarray(i * 784, (i + 1) * 784), (v) => Math.round(v * f) / f),
    label: String(set.labels[i]),
  }));
}

export async function writeDigitSamples(dir: string, data: { train: DigitSet; test: DigitSet }, seed: number): Promise<void> {
  const base = { model: 'digits', shape: [28, 28, 1], labels: LABELS };
  await writeSamples(join(dir, 'samples.json'), { ...base, source: `held-out test split of the mnist package (seed ${seed})`, samples: rows(data.test, 300, 3) });
  await writeSamples(join(dir, 'train-sample.json'), { ...base, source: `first 500 digits of the training split (seed ${seed}), pixels rounded to 0.01`, samples: rows(data.train, 500, 2) });
}
