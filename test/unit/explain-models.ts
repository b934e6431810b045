// Small real tfjs models for the explain tests (built in code so the known answers are known).
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** y = w·x + b, one linear output. */
export function linearModel(w: number[], b = 0): tfl.LayersModel {
  const m = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [w.length], units: 1, activation: 'linear' })] });
  m.setWeights([tf.tensor2d(w, [w.length, 1]), tf.tensor1d([b])]);
  return m;
}

/** A nonlinear tabular classifier with seeded weights. */
export function tabularMlp(features: number, classes = 3, seed = 7): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [features], units: 16, activation: 'tanh', kernelInitializer: tfl.initializers.glorotNormal({ seed }) }),
      tfl.layers.dense({ units: classes, activation: 'softmax', kernelInitializer: tfl.initializers.glorotNormal({ seed: seed + 1 }) }),
    ],
  });
}

/** The digits architecture in miniature (or full size): conv → relu → pool → dense → softmax. */
export function smallCnn(size = 8, channels = 1, classes = 3, seed = 3): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [size, size, channels], filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: tfl.initializers.glorotNormal({ seed }) }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: classes, activation: 'softmax', kernelInitializer: tfl.initializers.glorotNormal({ seed: seed + 1 }) }),
    ],
  });
}

/** The digits architecture (models/train-digits.ts) with fewer filters: 'same' 5×5 convs, 2×2 pools. */
export function digitsLike(seed = 11, filters = 4): tfl.LayersModel {
  const init = (k: number) => tfl.initializers.glorotUniform({ seed: seed + k });
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [28, 28, 1], filters, kernelSize: 5, padding: 'same', activation: 'relu', kernelInitializer: init(1) }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: filters * 2, kernelSize: 5, padding: 'same', activation: 'relu', kernelInitializer: init(2) }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(3) }),
    ],
  });
}

export { graphLinear } from './explain-graph-models.js';
