// model.json + shard bytes -> tf.io.ModelArtifacts, ready for tf.io.fromMemory().
import * as tf from '@tensorflow/tfjs-core';
import { InferScopeError } from '../errors.js';
import { resolveUrl } from '../../protocol/resolve-url.js';

/**
 * Parses model.json bytes; MODEL_INVALID names the URL when it is not a TF.js model. `check`:
 * the full field check (model-json-check.ts, a lazy chunk the network paths load while they
 * download); without it only the outline is checked (a cached file was checked when it came).
 */
export function parseModelJson(data: ArrayBuffer, url: string, check?: (json: unknown) => string): tf.io.ModelJSON {
  let json: tf.io.ModelJSON;
  try {
    json = JSON.parse(new TextDecoder().decode(data));
  } catch (err) {
    throw new InferScopeError('MODEL_INVALID', `${url} is not JSON (${(err as Error).message}); expected a TF.js model.json`, { cause: err });
  }
  const problem = check ? check(json) : !json || typeof json !== 'object' || !json.modelTopology || !Array.isArray(json.weightsManifest) ? 'has no modelTopology/weightsManifest' : '';
  if (problem) throw new InferScopeError('MODEL_INVALID', `${url} ${problem}: not a usable TF.js model.json (converter output); re-export the model or fix the URL`);
  return json;
}

/** The weight shard URLs of a model.json, in the order their bytes concatenate. */
export function shardUrls(json: tf.io.ModelJSON, modelUrl: string): string[] {
  return json.weightsManifest.flatMap((g) => g.paths.map((p) => resolveUrl(p, modelUrl)));
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2 };

/** Bytes each weight group needs per its specs, or null where it can't be known (string tensors). */
export function expectedGroupBytes(json: tf.io.ModelJSON): (number | null)[] {
  return json.weightsManifest.map((g) => {
    let n = 0;
    for (const w of g.weights) {
      const per = BYTES[w.quantization?.dtype ?? w.dtype];
      if (!per) return null;
      n += per * w.shape.reduce((a, b) => a * b, 1);
    }
    return n;
  });
}

/** Assembles ModelArtifacts; `shards` are in shardUrls() order. */
export function toArtifacts(json: tf.io.ModelJSON, shards: ArrayBuffer[]): tf.io.ModelArtifacts {
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  return tf.io.getModelArtifactsForJSONSync(json, specs, shards.length === 1 ? shards[0] : shards);
}
