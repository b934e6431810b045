// One tfjs model instance (graph-model or layers-model) built from artifacts on the engine's
// current backend, with a uniform run() and signature, whatever the converter format.
import * as tf from '@tensorflow/tfjs-core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { ModelFormat } from '../protocol/manifest-types.js';
import { InferScopeError } from './errors.js';

/**
 * `name`: what callers use (a graph model's signature key, e.g. `age_output`, where it has one);
 * `node`: the graph node behind it when that differs (`Identity_5`). `anyRank`: the model.json
 * says `unknownRank` (e.g. recurrent state fed back between frames): any shape is accepted.
 */
export interface TensorInfo { name: string; shape: number[]; dtype: tf.DataType; node?: string; anyRank?: true }

export interface TfModel {
  format: ModelFormat;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  /** The tfjs object (GraphModel or LayersModel), for explain and advanced use. */
  model: GraphModel | LayersModel;
  /** Runs the model; the caller owns (must dispose) the returned tensors. Inputs are not disposed. */
  run(inputs: tf.Tensor[]): tf.Tensor[] | Promise<tf.Tensor[]>;
  dispose(): void;
}

// Ops that make tfjs-converter refuse model.execute() and require executeAsync(); the same sets
// as tfjs-converter/src/executor/model_analysis.ts (CONTROL_FLOW_OPS, DYNAMIC_SHAPE_OPS,
// HASH_TABLE_OPS). Read from the topology so the caller never sees tfjs's "use executeAsync" error.
const ASYNC_OPS = new Set([
  'Switch', 'Merge', 'Enter', 'Exit', 'NextIteration', 'StatelessIf', 'StatelessWhile', 'if', 'While',
  'NonMaxSuppressionV2', 'NonMaxSuppressionV3', 'NonMaxSuppressionV5', 'Where',
  'HashTable', 'HashTableV2', 'LookupTableImport', 'LookupTableImportV2', 'LookupTableFind',
  'LookupTableFindV2', 'LookupTableSize', 'LookupTableSizeV2',
]);

interface GraphTopology { node?: { op: string }[]; library?: { function?: { nodeDef?: { op: string }[] }[] } }

export function needsExecuteAsync(topology: unknown): boolean {
  const t = topology as GraphTopology;
  const ops = [...(t.node ?? []), ...(t.library?.function ?? []).flatMap((f) => f.nodeDef ?? [])];
  return ops.some((n) => ASYNC_OPS.has(n.op));
}

export function detectFormat(artifacts: tf.io.ModelArtifacts): ModelFormat {
  if (artifacts.format === 'graph-model' || artifacts.format === 'layers-model') return artifacts.format;
  const topo = artifacts.modelTopology as { node?: unknown; model_config?: unknown; class_name?: unknown } | undefined;
  if (topo && Array.isArray(topo.node)) return 'graph-model';
  if (topo && (topo.model_config != null || topo.class_name != null)) return 'layers-model';
  throw new InferScopeError('MODEL_INVALID', 'model.json is neither a graph-model nor a layers-model (no format, no node list, no model_config)');
}

const free = (d: number | null | undefined) => (d == null || d < 0 ? -1 : d);
const signature = (ts: { name: string; shape?: (number | null)[]; dtype: tf.DataType }[], keys?: string[]): TensorInfo[] =>
  ts.map((t, i) => {
    const info: TensorInfo = { name: keys?.[i] ?? t.name, shape: (t.shape ?? []).map(free), dtype: t.dtype };
    if (info.name !== t.name) info.node = t.name;
    if (!t.shape) info.anyRank = true;
    return info;
  });
const asList = (r: tf.Tensor | tf.Tensor[]) => (Array.isArray(r) ? r : [r]);

/** Build the model on the engine's current backend. Call inside onBackend(). */
export async function createTfModel(artifacts: tf.io.ModelArtifacts): Promise<TfModel> {
  const format = detectFormat(artifacts);
  const handler = tf.io.fromMemory(artifacts);
  let model: GraphModel | LayersModel;
  let run: TfModel['run'];
  let outKeys: string[] | undefined;
  if (format === 'graph-model') {
    const graph = (model = await (await import('@tensorflow/tfjs-converter')).loadGraphModel(handler));
    const names = graph.inputs.map((i) => i.name);
    // Signature keys where the model has them (what its authors document), else node names.
    const outNames = (outKeys = graph.outputNodes);
    const feed = (ts: tf.Tensor[]) => Object.fromEntries(names.map((n, k) => [n, ts[k]!])) as tf.NamedTensorMap;
    // Control flow or dynamic-shape ops (NMS, Where) only run through executeAsync.
    run = needsExecuteAsync(artifacts.modelTopology)
      ? async (ts) => asList(await graph.executeAsync(feed(ts), outNames))
      : (ts) => asList(graph.execute(feed(ts), outNames));
  } else {
    const layers = (model = await (await import('@tensorflow/tfjs-layers')).loadLayersModel(handler));
    run = (ts) => asList(layers.predict(ts.length === 1 ? ts[0]! : ts));
  }
  return { format, inputs: signature(model.inputs), outputs: signature(model.outputs, outKeys), model, run, dispose: () => model.dispose() };
}
