// The input spec's `preprocess: 'mnist-center'`: what MNIST did to every digit it holds, done to
// the caller's pixels before they become the model input. A model trained on MNIST has only
// seen digits cropped to their ink, scaled (keeping the aspect) into a 20x20 box and placed in
// 28x28 so that their centre of mass sits in the middle; a whole drawing-pad canvas squashed
// into 28x28 is a different input, and a 7 reads as 2 or 3. LeCun et al., "The MNIST database"
// (http://yann.lecun.com/exdb/mnist/): "centered in a 28x28 image by computing the center of
// mass of the pixels, and translating the image so as to position this point at the center".
// A lazily loaded chunk: only models whose manifest asks for it load it.
import { InferScopeError } from './errors.js';
import type { ImagePlan, PixelSource } from './image-input.js';

type Rgba = { data: Uint8Array | Uint8ClampedArray; width: number; height: number };

/** RGBA bytes of any pixel source (platform images are drawn on a 2D canvas once). */
function rgba(src: PixelSource): Rgba {
  if ('data' in src && (src.data instanceof Uint8Array || src.data instanceof Uint8ClampedArray)) return src as Rgba;
  const s = src as HTMLVideoElement & HTMLImageElement;
  const width = s.videoWidth || s.naturalWidth || s.width, height = s.videoHeight || s.naturalHeight || s.height;
  const canvas = typeof OffscreenCanvas === 'function' ? new OffscreenCanvas(width, height) : Object.assign(document.createElement('canvas'), { width, height });
  const ctx = canvas.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D | null;
  try {
    ctx!.drawImage(src as CanvasImageSource, 0, 0);
    return ctx!.getImageData(0, 0, width, height);
  } catch (err) {
    throw new InferScopeError('INPUT_INVALID', `mnist-center could not read the image's pixels (${(err as Error).message}); a cross-origin image needs crossOrigin="anonymous" and CORS`, { cause: err });
  }
}

/** For each of `m` output cells, the input cells [index, weight] it covers when n cells map onto m (area average). */
function cover(n: number, m: number): [number, number][][] {
  const r = n / m;
  return Array.from({ length: m }, (_, j) => {
    const a = j * r, b = (j + 1) * r, out: [number, number][] = [];
    for (let k = Math.floor(a); k < Math.min(n, Math.ceil(b)); k++) out.push([k, (Math.min(b, k + 1) - Math.max(a, k)) / r]);
    return out;
  });
}

/**
 * Ink (0 = paper, 255 = full ink) of an h x w image, centred MNIST-style in height x width:
 * cropped to the ink's bounding box, area-scaled into a box of 20/28 of the side keeping the
 * aspect, and moved so its centre of mass is the image's centre (kept whole inside the frame).
 * @example centerInk(ink, 280, 280, 28, 28) // 28*28 values
 */
export function centerInk(ink: Float32Array, h: number, w: number, height: number, width: number): Float32Array {
  const out = new Float32Array(height * width);
  let max = 0;
  for (const v of ink) if (v > max) max = v;
  if (max <= 0) return out;
  let x0 = w, y0 = h, x1 = -1, y1 = -1;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    // A tenth of the darkest stroke: anti-aliased fringes and paper noise do not widen the box.
    if (ink[y * w + x]! > max * 0.1) { if (x < x0) x0 = x; if (x > x1) x1 = x; if (y < y0) y0 = y; if (y > y1) y1 = y; }
  }
  const bw = x1 - x0 + 1, bh = y1 - y0 + 1;
  const scale = Math.round((Math.min(height, width) * 20) / 28) / Math.max(bw, bh);
  const tw = Math.min(width, Math.max(1, Math.round(bw * scale))), th = Math.min(height, Math.max(1, Math.round(bh * scale)));
  const cx = cover(bw, tw), cy = cover(bh, th);
  const box = new Float32Array(th * tw);
  let mass = 0, mx = 0, my = 0;
  for (let i = 0; i < th; i++) for (let j = 0; j < tw; j++) {
    let v = 0;
    for (const [y, wy] of cy[i]!) for (const [x, wx] of cx[j]!) v += wy * wx * ink[(y0 + y) * w + x0 + x]!;
    box[i * tw + j] = v;
    mass += v; mx += v * (j + 0.5); my += v * (i + 0.5);
  }
  const ox = Math.min(width - tw, Math.max(0, Math.round(width / 2 - mx / mass)));
  const oy = Math.min(height - th, Math.max(0, Math.round(height / 2 - my / mass)));
  for (let i = 0; i < th; i++) out.set(box.subarray(i * tw, (i + 1) * tw), (oy + i) * width + ox);
  return out;
}

/**
 * The source's pixels MNIST-centred at the plan's size, as RGBA in the source's own polarity
 * (the plan's invert, grayscale and scaling then apply as to any image).
 */
export function mnistCenter(src: PixelSource, plan: ImagePlan): Rgba {
  const { data, width: w, height: h } = rgba(src);
  const paper = plan.invert ? 255 : 0;
  const ink = new Float32Array(w * h);
  for (let i = 0; i < w * h; i++) {
    // Luminance (BT.601) over the paper colour where the pixel is transparent.
    const a = data[i * 4 + 3]! / 255;
    const lum = a * (0.299 * data[i * 4]! + 0.587 * data[i * 4 + 1]! + 0.114 * data[i * 4 + 2]!) + (1 - a) * paper;
    ink[i] = Math.abs(lum - paper);
  }
  const height = plan.height > 0 ? plan.height : 28, width = plan.width > 0 ? plan.width : 28;
  const centred = centerInk(ink, h, w, height, width);
  const out = new Uint8ClampedArray(height * width * 4);
  centred.forEach((v, i) => { out.fill(Math.abs(paper - v), i * 4, i * 4 + 3); out[i * 4 + 3] = 255; });
  return { data: out, width, height };
}
