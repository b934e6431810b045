// The labelled sample set written next to each model: the demo's accuracy panel and
// `inferscope quantize --eval` read it. Format (documented in models/README.md):
// { model, shape, labels, features?, samples: [{ input: number[], label: string }] }
import { writeFilesAtomically } from '../../src/cli/model-files.js';
import { dirname, basename } from 'node:path';

export interface SampleSet {
  model: string;
  /** Shape of one example (without the batch dimension). */
  shape: number[];
  labels: string[];
  features?: string[];
  source: string;
  samples: { input: number[]; label: string }[];
}

export async function writeSamples(file: string, set: SampleSet): Promise<void> {
  // One sample per line keeps the file diffable and readable.
  const head = JSON.stringify({ ...set, samples: undefined }).slice(0, -1);
  const rows = set.samples.map((s) => JSON.stringify(s)).join(',\n');
  await writeFilesAtomically(dirname(file), [[basename(file), `${head},"samples":[\n${rows}\n]}\n`]]);
}

export async function writeJson(file: string, value: unknown): Promise<void> {
  await writeFilesAtomically(dirname(file), [[basename(file), JSON.stringify(value, null, 2) + '\n']]);
}
