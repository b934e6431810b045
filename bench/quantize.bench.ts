// Quantized model size and accuracy vs float32 (DESIGN targets: uint8 <= 0.26x with an accuracy
// drop <= 0.5 points; float16 <= 0.51x with a drop <= 0.1 point). Quantizes the committed
// float32 models of models/ with the CLI's code into a temp folder, then scores both on the
// held-out test split: all 2,000 held-out digits (regenerated from the mnist package with the
// training seed) and all 171 held-out penguins (models/penguins/samples.json).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { argmaxRows, loadModel } from '../src/cli/load-model.js';
import { readModelFolder, writeModelFolder } from '../src/cli/model-files.js';
import { quantizeGroups } from '../src/cli/quantize.js';
import { readExamples } from '../src/cli/read-examples.js';
import { loadDigits } from '../models/lib/mnist-data.js';

const TARGETS = { uint8: { size: 0.26, drop: 0.5 }, float16: { size: 0.51, drop: 0.1 } } as const;
const out = mkdtempSync(join(tmpdir(), 'inferscope-quantize-bench-'));

async function accuracy(modelJson: string, values: ArrayLike<number>, labels: string[], names: string[]): Promise<number> {
  const m = await loadModel(modelJson);
  const pred = argmaxRows(await m.predict(values, labels.length), labels.length);
  m.dispose();
  return labels.filter((l, i) => names[pred[i]!] === l).length / labels.length;
}

async function testSet(id: string): Promise<{ values: ArrayLike<number>; labels: string[]; names: string[] }> {
  if (id === 'digits') {
    const { test } = loadDigits({ seed: 42 });
    return { values: test.pixels, labels: Array.from(test.labels, String), names: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] };
  }
  const ex = await readExamples(`models/${id}/samples.json`, { size: 4, features: ['beak_length_mm', 'beak_depth_mm', 'flipper_length_mm', 'body_mass_kg'] });
  return { values: ex.values, labels: ex.labels as string[], names: ex.labelNames! };
}

const line = (o: Record<string, unknown>) => console.log(JSON.stringify({ bench: 'quantize', ...o }));
try {
  for (const id of ['digits', 'penguins']) {
    const source = await readModelFolder(`models/${id}/1.0.0/float32/model.json`);
    const data = await testSet(id);
    const base = await accuracy(source.path, data.values, data.labels, data.names);
    const f32Bytes = source.groups.reduce((n, g) => n + g.data.byteLength, 0);
    const f32Total = f32Bytes + statSync(source.path).size;
    for (const dtype of ['uint8', 'float16'] as const) {
      const dir = join(out, id, dtype);
      await writeModelFolder(dir, { ...source.json, format: source.format }, quantizeGroups(source, dtype).groups);
      const q = await readModelFolder(join(dir, 'model.json'));
      const bytes = q.groups.reduce((n, g) => n + g.data.byteLength, 0);
      const total = bytes + statSync(q.path).size;
      const t = TARGETS[dtype];
      line({ case: `${id}-${dtype}-weights-size`, value: bytes, unit: 'bytes', baseline: f32Bytes, ratio: +(bytes / f32Bytes).toFixed(4), target: `<= ${t.size}`, pass: bytes / f32Bytes <= t.size, totalWithModelJson: { value: total, baseline: f32Total, ratio: +(total / f32Total).toFixed(4) } });
      const acc = await accuracy(q.path, data.values, data.labels, data.names);
      const drop = (base - acc) * 100;
      line({ case: `${id}-${dtype}-accuracy`, value: +(acc * 100).toFixed(2), unit: '% correct', baseline: +(base * 100).toFixed(2), ratio: +(acc / base).toFixed(4), target: `drop <= ${t.drop} points`, pass: drop <= t.drop + 1e-9, dropPoints: +drop.toFixed(2), n: data.labels.length });
    }
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
