// Writes models/digits/samples.json and train-sample.json without training (same seed,
// same split as train-digits.ts). Run: node --import tsx models/export-digits-data.ts [--seed 42]
import { parseArgs } from 'node:util';
import { writeDigitSamples } from './lib/digits-samples.js';
import { loadDigits } from './lib/mnist-data.js';

const { values } = parseArgs({ options: { seed: { type: 'string' }, dir: { type: 'string' } } });
const seed = Number(values.seed ?? 42);
await writeDigitSamples(values.dir ?? 'models/digits', loadDigits({ seed }), seed);
console.error(`wrote ${values.dir ?? 'models/digits'}/samples.json and train-sample.json`);
