// Writes models/digits/samples.json and train-sample.json without training (same seed,
// same split as train-digits.ts). Run: node --import tsx models/export-digits-data.ts [--seed 42]
// --full-test <file> also writes all 2,000 held-out digits (too big to commit; used for the
// accuracy figures in models/README.md: inferscope quantize ... --eval <file>).
import { parseArgs } from 'node:util';
import { writeDigitSamples } from './lib/digits-samples.js';
import { writeSamples } from './lib/write-samples.js';
import { loadDigits } from './lib/mnist-data.js';

const { values } = parseArgs({ options: { seed: { type: 'string' }, dir: { type: 'string' }, 'full-test': { type: 'string' } } });
const seed = Number(values.seed ?? 42);
const data = loadDigits({ seed });
await writeDigitSamples(values.dir ?? 'models/digits', data, seed);
const full = values['full-test'];
if (full) {
  await writeSamples(full, {
    model: 'digits', shape: [28, 28, 1], labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    source: `all ${data.test.n} held-out test digits (seed ${seed})`,
    samples: Array.from({ length: data.test.n }, (_, i) => ({ input: Array.from(data.test.pixels.subarray(i * 784, (i + 1) * 784)), label: String(data.test.labels[i]) })),
  });
  console.error(`wrote ${full}`);
}
console.error(`wrote ${values.dir ?? 'models/digits'}/samples.json and train-sample.json`);
