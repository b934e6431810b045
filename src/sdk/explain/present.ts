// Turns raw per-element attributions into what a page draws: named features for
// tabular inputs, an H×W saliency map for images.
import type { Explanation, FeatureAttribution, InputKind } from './types.js';

export function featureList(names: string[] | undefined, attributions: Float32Array, input: Float32Array): FeatureAttribution[] | undefined {
  if (!names) return undefined;
  return Array.from(attributions, (value, i) => ({ name: names[i] ?? String(i), value, input: input[i] }));
}

/** |attribution| summed over channels, scaled so the largest pixel is 1 (all zeros stays zeros). */
export function saliencyMap(shape: number[], attributions: Float32Array): Explanation['saliency'] {
  const [height, width, channels = 1] = shape;
  const data = new Float32Array(height * width);
  for (let p = 0; p < height * width; p++) {
    let s = 0;
    for (let c = 0; c < channels; c++) s += Math.abs(attributions[p * channels + c]);
    data[p] = s;
  }
  let max = 0;
  for (const v of data) max = Math.max(max, v);
  if (max > 0) for (let p = 0; p < data.length; p++) data[p] /= max;
  return { height, width, data };
}

export function present(
  kind: InputKind,
  exampleShape: number[],
  attributions: Float32Array,
  input: Float32Array,
  names: string[] | undefined,
): Pick<Explanation, 'features' | 'saliency'> {
  if (kind === 'image' && exampleShape.length >= 2) return { saliency: saliencyMap(exampleShape, attributions) };
  if (kind === 'tabular') {
    const features = featureList(names, attributions, input);
    return features ? { features } : {};
  }
  return {};
}
