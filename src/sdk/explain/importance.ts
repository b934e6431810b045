// Per-feature attributions as telemetry aggregates them (mean |attribution| per name):
// tabular feature names, image regions, or element indexes for small plain tensors.
import type { Explanation } from './types.js';

/** Region grid for image models: importance per 4×4 block of the image ("r0c0" … "r3c3"). */
export const IMAGE_GRID = 4;
/** Plain tensor inputs are aggregated per element only up to this many elements. */
const MAX_ELEMENTS = 64;

/** Named per-feature attributions for telemetry: tabular names, image regions, or element indexes. */
export function importanceOf(e: Explanation): Record<string, number> | undefined {
  if (e.features) return Object.fromEntries(e.features.map((f) => [f.name, f.value]));
  if (e.saliency) {
    const { height, width } = e.saliency;
    const channels = e.attributions.length / (height * width);
    const out: Record<string, number> = {};
    for (let h = 0; h < height; h++) {
      for (let w = 0; w < width; w++) {
        const key = `r${Math.floor((h * IMAGE_GRID) / height)}c${Math.floor((w * IMAGE_GRID) / width)}`;
        let s = 0;
        for (let c = 0; c < channels; c++) s += e.attributions[(h * width + w) * channels + c]!;
        out[key] = (out[key] ?? 0) + s;
      }
    }
    return out;
  }
  if (e.attributions.length <= MAX_ELEMENTS) return Object.fromEntries(Array.from(e.attributions, (v, i) => [String(i), v]));
  return undefined;
}
