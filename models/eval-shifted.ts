// Accuracy of the digits versions on the held-out digits as they are and moved by random
// whole-pixel shifts of up to 3 pixels (what the 1.1.0 candidate was trained to handle).
// Run: node --import tsx models/eval-shifted.ts [--encoding uint8]
import { parseArgs } from 'node:util';
import { argmaxRows, loadModel } from '../src/cli/load-model.js';
import { loadDigits, shiftDigits } from './lib/mnist-data.js';
import { mulberry32 } from './lib/seeded.js';

const { values } = parseArgs({ options: { encoding: { type: 'string' } } });
const encoding = values.encoding ?? 'uint8';
const { test } = loadDigits({ seed: 42 });
const shifted = shiftDigits(test, 3, mulberry32(123));
for (const v of ['1.0.0', '1.1.0']) {
  const m = await loadModel(`models/digits/${v}/${encoding}/model.json`);
  for (const [name, set] of [['centred', test], ['shifted <= 3 px', shifted]] as const) {
    const p = argmaxRows(await m.predict(set.pixels, set.n), set.n);
    let c = 0;
    for (let i = 0; i < set.n; i++) if (p[i] === set.labels[i]) c++;
    console.log(`digits ${v} ${encoding}, ${name}: ${((c / set.n) * 100).toFixed(2)}% of ${set.n}`);
  }
  m.dispose();
}
