// Trains the `penguins` classifier (species from 4 body measurements) on the Palmer
// penguins of the `vega-datasets` package.
// Run: node --import tsx models/train-penguins.ts [--out models/penguins/1.0.0/float32]
//        [--epochs 60] [--seed 42] [--hidden 32] [--backend wasm|cpu]
// The network trains on standardized features; the standardization is then folded into
// the first Dense layer (W' = W / std, b' = b - (mean / std) W), so the saved model takes
// raw measurements: the SDK, drift baselines and explanations all see real units.
import { join } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { initTf } from '../src/cli/tf-node.js';
import { fileSaver } from '../src/cli/model-files.js';
import { trainFlags } from './lib/args.js';
import { FEATURES, loadPenguins, SPECIES, toMatrix } from './lib/penguins-data.js';
import { seedMathRandom } from './lib/seeded.js';
import { writeJson, writeSamples } from './lib/write-samples.js';

async function main(argv: string[]) {
  const flags = trainFlags(argv, { out: 'models/penguins/1.0.0/float32', epochs: 60 }, { hidden: { type: 'string' } });
  const hidden = Number(flags.values.hidden ?? 32);
  seedMathRandom(flags.seed);
  const tf = await initTf(flags.backend);
  const data = loadPenguins({ seed: flags.seed });
  console.error(`penguins: ${data.train.length} train / ${data.test.length} test (${data.dropped} rows without measurements dropped), backend ${tf.getBackend()}`);

  const k = FEATURES.length;
  const xtr = toMatrix(data.train);
  const mean = FEATURES.map((_, j) => data.train.reduce((s, _r, i) => s + xtr[i * k + j]!, 0) / data.train.length);
  const std = FEATURES.map((_, j) => Math.sqrt(data.train.reduce((s, _r, i) => s + (xtr[i * k + j]! - mean[j]!) ** 2, 0) / data.train.length));
  const standardize = (m: Float32Array) => m.map((v, i) => (v - mean[i % k]!) / std[i % k]!);

  const init = (s: number) => tfl.initializers.glorotUniform({ seed: flags.seed + s });
  const model = tfl.sequential({ name: 'penguins' });
  model.add(tfl.layers.dense({ inputShape: [k], units: hidden, activation: 'relu', kernelInitializer: init(1), name: 'dense1' }));
  model.add(tfl.layers.dense({ units: hidden, activation: 'relu', kernelInitializer: init(2), name: 'dense2' }));
  model.add(tfl.layers.dense({ units: SPECIES.length, activation: 'softmax', kernelInitializer: init(3), name: 'probs' }));
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });

  const xs = tf.tensor2d(standardize(xtr), [data.train.length, k]);
  const ys = tf.oneHot(tf.tensor1d(data.train.map((r) => SPECIES.indexOf(r.label)), 'int32'), SPECIES.length);
  const started = Date.now();
  await model.fit(xs, ys, {
    epochs: flags.epochs, batchSize: 32, shuffle: true, verbose: 0,
    callbacks: { onEpochEnd: async (e, logs) => { if ((e + 1) % 25 === 0) console.error(`epoch ${e + 1}/${flags.epochs}: loss ${logs?.loss?.toFixed(4)}`); } },
  });
  const trainMs = Date.now() - started;
  tf.dispose([xs, ys]);

  // Fold the standardization into dense1.
  const [w, b] = model.getLayer('dense1').getWeights();
  const wv = (await w!.data()) as Float32Array;
  const bv = Float32Array.from((await b!.data()) as Float32Array);
  const w2 = new Float32Array(wv.length);
  for (let j = 0; j < k; j++) {
    for (let u = 0; u < hidden; u++) {
      w2[j * hidden + u] = wv[j * hidden + u]! / std[j]!;
      bv[u] = bv[u]! - (mean[j]! / std[j]!) * wv[j * hidden + u]!;
    }
  }
  model.getLayer('dense1').setWeights([tf.tensor2d(w2, [k, hidden]), tf.tensor1d(bv)]);

  const xt = tf.tensor2d(toMatrix(data.test), [data.test.length, k]);
  const pred = (await tf.argMax(model.predict(xt) as ReturnType<typeof tf.tensor>, 1).data()) as Int32Array;
  const correct = data.test.filter((r, i) => SPECIES[pred[i]!] === r.label).length;
  const accuracy = correct / data.test.length;
  console.error(`held-out accuracy ${(accuracy * 100).toFixed(2)}% (${correct}/${data.test.length}) on raw inputs, trained in ${(trainMs / 1000).toFixed(1)} s`);

  model.setUserDefinedMetadata({ inferscope: { kind: 'tabular', features: FEATURES, labels: SPECIES } });
  await model.save(fileSaver(flags.out));
  await writeJson(join(flags.out, '..', 'training.json'), {
    model: 'penguins',
    data: 'vega-datasets penguins.json (Palmer penguins)',
    split: { train: data.train.length, test: data.test.length, dropped: data.dropped, seed: flags.seed },
    epochs: flags.epochs,
    hidden,
    backend: tf.getBackend(),
    standardization: { features: FEATURES, mean, std },
    trainSeconds: Math.round(trainMs / 100) / 10,
    testAccuracy: accuracy,
    command: `node --import tsx models/train-penguins.ts --out ${flags.out} --epochs ${flags.epochs} --seed ${flags.seed} --hidden ${hidden}`,
  });
  const row = (r: (typeof data.test)[number]) => ({ input: FEATURES.map((f) => r[f as keyof typeof r] as number), label: r.label });
  const base = { model: 'penguins', shape: [k], labels: SPECIES, features: FEATURES };
  await writeSamples(join(flags.out, '..', '..', 'samples.json'), { ...base, source: `held-out test split of vega-datasets penguins (seed ${flags.seed})`, samples: data.test.map(row) });
  await writeSamples(join(flags.out, '..', '..', 'train.json'), { ...base, source: `training split of vega-datasets penguins (seed ${flags.seed})`, samples: data.train.map(row) });
  console.error(`wrote ${flags.out}/model.json`);
}

main(process.argv.slice(2)).catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
