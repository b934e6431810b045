// A predict/explain input made ready to cross into the worker (see the table in
// src/sdk/worker/wire.ts): what can move is collected in `moved`, the rest is copied by
// postMessage. Runs on the page, so it never reads pixels itself: images become ImageBitmaps
// (decoded by the browser), ImageData is cloned as is (exact pixels, no re-encode).
import { InferScopeError, isInferScopeError } from '../errors.js';
import type { WireTensor } from '../worker/wire.js';

type View = ArrayBufferView & { slice(): ArrayBufferView & { buffer: ArrayBuffer } };
const IMAGES = ['HTMLCanvasElement', 'HTMLImageElement', 'HTMLVideoElement', 'OffscreenCanvas', 'SVGImageElement', 'VideoFrame'] as const;

const isA = (x: object, name: string) => {
  const c = (globalThis as unknown as Record<string, unknown>)[name];
  return typeof c === 'function' && x instanceof (c as new () => object);
};
const isTensorLike = (x: object): x is { dataSync(): ArrayBufferView; shape: number[]; dtype: string; isDisposed?: boolean } =>
  typeof (x as { dataSync?: unknown }).dataSync === 'function' && Array.isArray((x as { shape?: unknown }).shape) && typeof (x as { dtype?: unknown }).dtype === 'string';

/** A view the worker can own: the caller's own when it spans its whole ArrayBuffer, else a copy. */
function movable(v: ArrayBufferView, moved: Set<Transferable>): ArrayBufferView {
  const whole = v.buffer instanceof ArrayBuffer && v.byteOffset === 0 && v.byteLength === v.buffer.byteLength;
  const out = whole || v instanceof DataView ? v : (v as View).slice();
  if (out.buffer instanceof ArrayBuffer) moved.add(out.buffer);
  return out;
}

/** Sync where it can be (a 150,000-number nested array must not become 150,000 promises). */
function walk(x: unknown, moved: Set<Transferable>): unknown {
  if (x === null || typeof x !== 'object') return x;
  if (ArrayBuffer.isView(x)) return movable(x, moved);
  if (isA(x, 'ImageBitmap')) { moved.add(x as ImageBitmap); return x; }
  if (IMAGES.some((name) => isA(x, name))) {
    return createImageBitmap(x as ImageBitmapSource, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' }).then((bitmap) => { moved.add(bitmap); return bitmap; });
  }
  if (isA(x, 'ImageData')) return x;
  if (isTensorLike(x)) {
    if (x.isDisposed) throw new InferScopeError('INPUT_INVALID', 'the tf.Tensor was disposed; keep it alive until predict() resolves');
    // dataSync() may hand out the backend's own storage (cpu): copy before moving it.
    const values = x.dataSync();
    const wire: WireTensor = { inferscopeTensor: { values: ArrayBuffer.isView(values) ? movable((values as View).slice(), moved) : values, shape: x.shape.slice(), dtype: x.dtype } };
    return wire;
  }
  const proto = Object.getPrototypeOf(x);
  if (!Array.isArray(x) && proto !== Object.prototype && proto !== null) return x; // postMessage decides; call() maps DataCloneError
  const list = Array.isArray(x);
  const keys: (string | number)[] = list ? [] : Object.keys(x);
  const n = list ? x.length : keys.length;
  const out = (list ? new Array(n) : {}) as Record<string | number, unknown>;
  const waits: Promise<unknown>[] = [];
  let changed = false;
  for (let i = 0; i < n; i++) {
    const k = list ? i : keys[i]!;
    const v = (x as Record<string | number, unknown>)[k];
    const w = walk(v, moved);
    if (w instanceof Promise) waits.push(w.then((r) => { out[k] = r; }));
    else out[k] = w;
    changed ||= w !== v;
  }
  if (waits.length) return Promise.all(waits).then(() => out);
  return changed ? out : x;
}

/** `input` ready for postMessage (a promise only when an image must become an ImageBitmap first);
 *  the ArrayBuffers and ImageBitmaps to transfer are added to `moved`. */
export function toWireInput(input: unknown, moved: Set<Transferable>): unknown {
  // What the caller's own objects throw while read here (getters, proxies) is an input error, as
  // in direct mode (src/sdk/inputs.ts), not an exception of some other kind.
  try { return walk(input, moved); } catch (err) {
    throw isInferScopeError(err) ? err : new InferScopeError('INPUT_INVALID', `the input could not be read (${String((err as Error)?.message ?? err).slice(0, 120)}); pass a typed array, nested array, tf.Tensor or image`, { cause: err });
  }
}
