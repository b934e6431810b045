// Draw a digit; the pad's canvas goes to model.predict as it is: the manifest's input spec
// (preprocess: 'mnist-center') makes the SDK crop it to the ink, fit it into 20×20 and centre
// it by mass in 28×28 like MNIST, for every app. model.explain draws a saliency heatmap over
// that 28×28 view.
import type { App } from './app.js';
import { scoreBars } from './bars.js';
import { action, h, show } from './dom.js';
import { mnistCenter } from '../../src/sdk/mnist-center.js';

const SIZE = 280;

/** What the model sees: the pad as the input spec's preprocess step makes it (MNIST centring). */
function modelView(pad: HTMLCanvasElement, invert: boolean, preprocess: boolean): HTMLCanvasElement {
  if (!preprocess) return pad;
  const { data, width, height } = mnistCenter(pad, { height: 28, width: 28, channels: 1, scale: 1, offset: 0, invert, dtype: 'float32' });
  const out = h('canvas', { width, height });
  out.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(data), width, height), 0, 0);
  return out;
}

function heatmap(digit: HTMLCanvasElement, saliency: { height: number; width: number; data: Float32Array }): HTMLCanvasElement {
  const c = h('canvas', { width: SIZE, height: SIZE, class: 'pad', title: 'saliency: red = pixels that drove the prediction' });
  const ctx = c.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  ctx.globalAlpha = 0.55;
  ctx.drawImage(digit, 0, 0, SIZE, SIZE);
  ctx.globalAlpha = 1;
  const cw = SIZE / saliency.width, ch = SIZE / saliency.height;
  for (let y = 0; y < saliency.height; y++) for (let x = 0; x < saliency.width; x++) {
    const v = saliency.data[y * saliency.width + x]!;
    if (v < 0.02) continue;
    ctx.fillStyle = `rgba(255, 40, 0, ${Math.min(1, v * 1.2)})`;
    ctx.fillRect(x * cw, y * ch, cw, ch);
  }
  return c;
}

export function digitPad(app: App, root: HTMLElement): void {
  const image = app.choice?.inputs?.[0]?.image;
  const invert = image?.invert === true;
  const [ink, paper] = invert ? ['#000', '#fff'] : ['#fff', '#000'];
  const pad = h('canvas', { width: SIZE, height: SIZE, class: 'pad', id: 'digit-pad', style: `background:${paper}` });
  const ctx = pad.getContext('2d', { willReadFrequently: true })!;
  const clear = () => { ctx.fillStyle = paper; ctx.fillRect(0, 0, SIZE, SIZE); };
  clear();
  const out = h('div', { id: 'digit-result' });
  const heat = h('div', {});
  const status = h('div', { class: 'status', id: 'digit-status' });
  const explainBtn = h('button', {}, 'Explain');
  // Every stroke (and Clear) makes the shown prediction, explanation and "why" line stale: they
  // go at once, and an answer for an older drawing never lands over a newer one.
  // pad.dataset.gen counts strokes and clears; #digit-result's data-gen says which drawing it shows.
  let gen = 0;
  const stale = () => { pad.dataset.gen = String(++gen); show(out); show(heat); show(status); status.classList.remove('error'); delete out.dataset.gen; };
  const clearBtn = h('button', { id: 'digit-clear', onclick: () => { clear(); stale(); } }, 'Clear');

  const predict = async () => {
    const seen = gen;
    const r = await app.model!.predict(pad);
    if (seen !== gen) return;
    show(out, h('p', {}, 'prediction ', h('span', { class: 'big' }, r.top?.[0]?.label ?? '?'), ` in ${r.ms.toFixed(1)} ms`), scoreBars(r.top ?? []));
    out.dataset.gen = String(seen);
  };
  let last: { x: number; y: number } | null = null;
  const at = (e: PointerEvent) => { const b = pad.getBoundingClientRect(); return { x: ((e.clientX - b.left) * SIZE) / b.width, y: ((e.clientY - b.top) * SIZE) / b.height }; };
  pad.addEventListener('pointerdown', (e) => { pad.setPointerCapture(e.pointerId); last = at(e); stale(); });
  pad.addEventListener('pointermove', (e) => {
    if (!last) return;
    const p = at(e);
    ctx.strokeStyle = ink; ctx.lineWidth = 22; ctx.lineCap = 'round'; ctx.lineJoin = 'round';
    ctx.beginPath(); ctx.moveTo(last.x, last.y); ctx.lineTo(p.x, p.y); ctx.stroke();
    last = p;
  });
  pad.addEventListener('pointerup', () => { last = null; predict().catch((err) => { status.classList.add('error'); show(status, String((err as Error).message)); }); });

  action(explainBtn, status, async () => {
    const digit = modelView(pad, invert, image?.preprocess === 'mnist-center');
    const seen = gen;
    show(status, 'explaining (integrated gradients)…');
    const e = await app.model!.explain(pad);
    if (seen !== gen) return; // drawn on or cleared meanwhile
    show(status, `${e.method}: why "${e.label ?? e.classIndex}" (score ${e.score.toFixed(3)} vs ${e.baseScore.toFixed(3)} for a blank image)`);
    if (e.saliency) show(heat, heatmap(digit, e.saliency));
  });

  show(root,
    h('p', { class: 'muted' }, 'Draw a digit (0–9) with the mouse or a finger; it is predicted when you lift the pen.'),
    h('div', { class: 'split' }, h('div', {}, pad, h('div', { class: 'row' }, clearBtn, explainBtn)), out, heat),
    status);
}
