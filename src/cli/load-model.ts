// Loads a model folder from disk with tfjs (layers or graph) and runs batches through it.
import { fileLoader, readModelFolder } from './model-files.js';
import { initTf, type NodeBackend } from './tf-node.js';

export interface LoadedModel {
  format: 'layers-model' | 'graph-model';
  /** Input shape without the batch dimension. */
  inputShape: number[];
  outputShape: number[];
  inputName: string;
  outputName: string;
  inputDtype: 'float32' | 'int32' | 'bool';
  outputDtype: 'float32' | 'int32' | 'bool';
  /** userDefinedMetadata.inferscope, written by the training scripts. */
  meta: ModelMeta;
  /** Runs n examples (n × size values) and returns n × outputs values. */
  predict(values: ArrayLike<number>, n: number): Promise<Float32Array>;
  dispose(): void;
}

export interface ModelMeta {
  kind?: 'image' | 'tabular' | 'tensor';
  labels?: string[];
  features?: string[];
  image?: { height: number; width: number; channels: 1 | 3; scale?: number; offset?: number; invert?: boolean; preprocess?: 'mnist-center' };
}

export async function loadModel(modelJson: string, { backend = 'wasm' as NodeBackend } = {}): Promise<LoadedModel> {
  const tf = await initTf(backend);
  const folder = await readModelFolder(modelJson);
  const meta = ((folder.json.userDefinedMetadata as Record<string, unknown> | undefined)?.inferscope ?? {}) as ModelMeta;
  const dims = (s: readonly (number | null)[] | undefined) => (s ?? []).slice(1).map((d) => (d == null ? -1 : d));
  if (folder.format === 'layers-model') {
    const tfl = await import('@tensorflow/tfjs-layers');
    const model = await tfl.loadLayersModel(fileLoader(modelJson));
    return {
      format: folder.format,
      inputShape: dims(model.inputs[0]!.shape),
      outputShape: dims(model.outputs[0]!.shape),
      inputName: model.inputs[0]!.name.replace(/:\d+$/, ''),
      outputName: model.outputs[0]!.name.replace(/:\d+$/, ''),
      inputDtype: dtypeOf(model.inputs[0]!.dtype),
      outputDtype: dtypeOf(model.outputs[0]!.dtype),
      meta,
      async predict(values, n) {
        const x = tf.tensor(Float32Array.from(values), [n, ...dims(model.inputs[0]!.shape)]);
        const y = model.predict(x) as import('@tensorflow/tfjs-core').Tensor;
        const out = (await y.data()) as Float32Array;
        tf.dispose([x, y]);
        return out;
      },
      dispose: () => model.dispose(),
    };
  }
  const tfc = await import('@tensorflow/tfjs-converter');
  const model = await tfc.loadGraphModel(fileLoader(modelJson));
  const input = model.inputs[0]!;
  const output = model.outputs[0]!;
  return {
    format: folder.format,
    inputShape: dims(input.shape),
    outputShape: dims(output.shape),
    inputName: input.name,
    outputName: output.name,
    inputDtype: dtypeOf(input.dtype),
    outputDtype: dtypeOf(output.dtype),
    meta,
    async predict(values, n) {
      const x = tf.tensor(Float32Array.from(values), [n, ...dims(input.shape)]);
      const y = (await model.executeAsync(x)) as import('@tensorflow/tfjs-core').Tensor;
      const out = (await y.data()) as Float32Array;
      tf.dispose([x, y]);
      return out;
    },
    dispose: () => model.dispose(),
  };
}

function dtypeOf(d: string | undefined): 'float32' | 'int32' | 'bool' {
  return d === 'int32' || d === 'bool' ? d : 'float32';
}

export function argmaxRows(out: Float32Array, n: number): Int32Array {
  const k = out.length / n;
  const idx = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (out[r * k + j]! > out[r * k + best]!) best = j;
    idx[r] = best;
  }
  return idx;
}
