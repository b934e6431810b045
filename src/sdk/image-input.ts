// Image inputs: ImageData, HTMLImageElement, HTMLCanvasElement, HTMLVideoElement, ImageBitmap,
// OffscreenCanvas, or ImageData-like { data, width, height } (works in Node and Workers).
// Feature-detected: no constructor is assumed to exist.
import * as tf from '@tensorflow/tfjs-core';
import type { InputSpec } from '../protocol/manifest-types.js';

export type PixelSource =
  | ImageData | HTMLImageElement | HTMLCanvasElement | HTMLVideoElement | ImageBitmap | OffscreenCanvas
  | { data: Uint8Array | Uint8ClampedArray; width: number; height: number };

const CTORS = ['ImageData', 'HTMLImageElement', 'HTMLCanvasElement', 'HTMLVideoElement', 'ImageBitmap', 'OffscreenCanvas'] as const;

function isPlatformImage(x: object): boolean {
  const g = globalThis as unknown as Record<string, unknown>;
  return CTORS.some((name) => typeof g[name] === 'function' && x instanceof (g[name] as new () => object));
}

export function isPixelSource(x: unknown): x is PixelSource {
  if (x == null || typeof x !== 'object') return false;
  if (isPlatformImage(x)) return true;
  const p = x as { data?: unknown; width?: unknown; height?: unknown };
  return typeof p.width === 'number' && typeof p.height === 'number' && (p.data instanceof Uint8Array || p.data instanceof Uint8ClampedArray);
}

export interface ImagePlan { height: number; width: number; channels: 1 | 3; scale: number; offset: number; invert: boolean; dtype: tf.DataType; preprocess?: 'mnist-center' }

// The spec's preprocess step lives in a lazy chunk; client.load awaits it for models that name
// one, so the synchronous input path below finds it loaded (the import is cached per page).
let center: typeof import('./mnist-center.js').mnistCenter | undefined;
export async function loadPreprocess(specs: InputSpec[] = []): Promise<void> {
  if (specs.some((s) => s.image?.preprocess)) center ??= (await import('./mnist-center.js')).mnistCenter;
}

/** How pixels become the model input: the load-time spec wins, else the model's [?, h, w, c] shape. */
export function imagePlan(modelShape: number[], dtype: tf.DataType, spec?: InputSpec): ImagePlan | string {
  const img = spec?.image;
  const height = img?.height ?? modelShape[1] ?? -1;
  const width = img?.width ?? modelShape[2] ?? -1;
  const channels = img?.channels ?? (modelShape[3] === 1 ? 1 : 3);
  if (modelShape.length !== 4) return `the model input has shape [${modelShape}], not an image batch [n,height,width,channels]`;
  // Integer inputs (e.g. uint8 detectors) take raw 0..255 pixels; float inputs default to 0..1.
  const scale = img?.scale ?? (dtype === 'int32' ? 1 : 1 / 255);
  return { height, width, channels: channels as 1 | 3, scale, offset: img?.offset ?? 0, invert: img?.invert ?? false, dtype, preprocess: img?.preprocess };
}

/** One [1, h, w, c] tensor from pixels, resized and normalized. Call inside the engine gate. */
export function pixelsToTensor(src: PixelSource, plan: ImagePlan): tf.Tensor {
  if (plan.preprocess) src = center!(src, plan);
  return tf.tidy(() => {
    // tfjs only takes real ImageData objects; an ImageData-like RGBA buffer (Node, or data
    // copied out of a canvas) is sliced to RGB here.
    let x: tf.Tensor = isPlatformImage(src)
      ? tf.browser.fromPixels(src as Parameters<typeof tf.browser.fromPixels>[0], 3)
      : tf.slice(tf.tensor3d(Int32Array.from((src as { data: Uint8Array }).data), [src.height, src.width, 4]), [0, 0, 0], [-1, -1, 3]);
    const [h, w] = x.shape;
    const height = plan.height > 0 ? plan.height : h!;
    const width = plan.width > 0 ? plan.width : w!;
    x = tf.cast(x, 'float32');
    if (h !== height || w !== width) x = tf.image.resizeBilinear(x as tf.Tensor3D, [height, width]);
    if (plan.invert) x = tf.sub(255, x);
    // Grayscale by luminance (ITU-R BT.601), not tfjs's red-channel shortcut.
    if (plan.channels === 1) x = tf.sum(tf.mul(x, tf.tensor1d([0.299, 0.587, 0.114])), -1, true);
    if (plan.scale !== 1 || plan.offset !== 0) x = tf.add(tf.mul(x, plan.scale), plan.offset);
    if (plan.dtype === 'int32') x = tf.cast(tf.round(x), 'int32');
    return tf.expandDims(x, 0);
  });
}

/** Why `src` cannot become pixels, or '' (checked before any tensor is made). An image that has
 *  not loaded yet reports 0 x 0; an ImageData-like buffer must hold width * height RGBA bytes. */
export function pixelProblem(src: PixelSource): string {
  const s = src as { naturalWidth?: number; naturalHeight?: number; videoWidth?: number; videoHeight?: number; width: number; height: number; data?: ArrayLike<number> };
  const w = s.videoWidth ?? s.naturalWidth ?? s.width, h = s.videoHeight ?? s.naturalHeight ?? s.height;
  if (!(w >= 1 && h >= 1 && Number.isInteger(w) && Number.isInteger(h))) return `the image is ${w} x ${h} pixels; pass a loaded image (await img.decode()) of at least 1 x 1`;
  if (!isPlatformImage(src) && s.data!.length !== w * h * 4) return `the image data holds ${s.data!.length} bytes but ${w} x ${h} RGBA needs ${w * h * 4}`;
  return '';
}
