// A dropped model whose input is a picture ([h, w, c]): pick an image file; it is drawn into
// h × w, read as gray (c = 1) or RGB(A), scaled to [0, 1] and predicted. Random numbers say
// nothing about an image model.
import type { App } from './app.js';
import { scoreBars } from './bars.js';
import { h, show } from './dom.js';
import { labelNote, namedTop } from './try-labels.js';

/** Pixels of `img` drawn into w × h, as c channels in [0, 1] (c = 1: mean of R, G, B). */
export function pixelsOf(img: CanvasImageSource, [height, width, channels]: number[]): { input: Float32Array; view: HTMLCanvasElement } {
  const view = h('canvas', { width: width!, height: height!, class: 'pad', id: 'image-view' });
  const ctx = view.getContext('2d')!;
  ctx.drawImage(img, 0, 0, width!, height!);
  const rgba = ctx.getImageData(0, 0, width!, height!).data;
  const input = new Float32Array(height! * width! * channels!);
  for (let i = 0; i < height! * width!; i++) {
    if (channels === 1) input[i] = (rgba[i * 4]! + rgba[i * 4 + 1]! + rgba[i * 4 + 2]!) / (3 * 255);
    else for (let c = 0; c < channels!; c++) input[i * channels! + c] = rgba[i * 4 + c]! / 255;
  }
  return { input, view };
}

export function imagePicker(app: App, root: HTMLElement): void {
  const shape = app.choice!.exampleShape;
  const picker = h('input', { type: 'file', accept: 'image/*', id: 'image-input' });
  const out = h('div', { id: 'image-result' });
  const status = h('div', { class: 'status' });
  const run = async () => {
    const file = picker.files?.[0];
    if (!file) return;
    const { input, view } = pixelsOf(await createImageBitmap(file), shape);
    const r = await app.model!.predict(input);
    const top = namedTop(app, r.top);
    show(out, view, top.length ? h('p', {}, h('span', { class: 'big' }, top[0]!.label), ` ${top[0]!.score.toFixed(3)} in ${r.ms.toFixed(2)} ms`) : null, top.length ? scoreBars(top) : null);
  };
  picker.addEventListener('change', () => {
    status.classList.remove('error');
    run().catch((err: Error & { code?: string }) => { status.classList.add('error'); show(status, err.code ? `${err.code}: ${err.message}` : err.message); });
  });
  show(root, h('p', { class: 'muted' }, `This model takes a picture [${shape.join(', ')}]: pick an image file; it is scaled to ${shape[1]}×${shape[0]}${shape[2] === 1 ? ' in gray' : ''}, values 0-1.`),
    h('label', {}, 'image ', picker), labelNote(app), out, status);
}
