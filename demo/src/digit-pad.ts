// Draw a digit; the pad is cropped to the ink, scaled into a 20×20 box and centred in 28×28
// like MNIST, then handed to model.predict as a canvas (the SDK resizes and normalizes it per
// the manifest's image spec). model.explain draws a saliency heatmap over it.
import type { App } from './app.js';
import { scoreBars } from './bars.js';
import { action, h, show } from './dom.js';

const SIZE = 280;

function mnistCanvas(pad: HTMLCanvasElement, paper: string): HTMLCanvasElement {
  const ctx = pad.getContext('2d', { willReadFrequently: true })!;
  const { data } = ctx.getImageData(0, 0, SIZE, SIZE);
  const paperIsDark = paper === '#000';
  let x0 = SIZE, y0 = SIZE, x1 = -1, y1 = -1;
  for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) {
    const v = data[(y * SIZE + x) * 4]!;
    if (paperIsDark ? v > 40 : v < 215) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
  }
  const out = document.createElement('canvas');
  out.width = out.height = 28;
  const o = out.getContext('2d', { willReadFrequently: true })!;
  o.fillStyle = paper;
  o.fillRect(0, 0, 28, 28);
  if (x1 < 0) return out;
  const w = x1 - x0 + 1, hgt = y1 - y0 + 1, s = 20 / Math.max(w, hgt);
  o.imageSmoothingQuality = 'high';
  o.drawImage(pad, x0, y0, w, hgt, 14 - (w * s) / 2, 14 - (hgt * s) / 2, w * s, hgt * s);
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
  const invert = app.choice?.inputs?.[0]?.image?.invert === true;
  const [ink, paper] = invert ? ['#000', '#fff'] : ['#fff', '#000'];
  const pad = h('canvas', { width: SIZE, height: SIZE, class: 'pad', id: 'digit-pad', style: `background:${paper}` });
  const ctx = pad.getContext('2d', { willReadFrequently: true })!;
  const clear = () => { ctx.fillStyle = paper; ctx.fillRect(0, 0, SIZE, SIZE); };
  clear();
  const out = h('div', { id: 'digit-result' });
  const heat = h('div', {});
  const status = h('div', { class: 'status' });
  const explainBtn = h('button', {}, 'Explain');
  const clearBtn = h('button', { onclick: () => { clear(); show(out); show(heat); } }, 'Clear');

  const predict = async () => {
    const r = await app.model!.predict(mnistCanvas(pad, paper));
    show(out, h('p', {}, 'prediction ', h('span', { class: 'big' }, r.top?.[0]?.label ?? '?'), ` in ${r.ms.toFixed(1)} ms`), scoreBars(r.top ?? []));
  };
  let last: { x: number; y: number } | null = null;
  const at = (e: PointerEvent) => { const b = pad.getBoundingClientRect(); return { x: ((e.clientX - b.left) * SIZE) / b.width, y: ((e.clientY - b.top) * SIZE) / b.height }; };
  pad.addEventListener('pointerdown', (e) => { pad.setPointerCapture(e.pointerId); last = at(e); });
  pad.addEventListener('pointermove', (e) => {
    if (!last) return;
    const p = at(e);
    ctx.strokeStyle = ink; ctx.lineWidth = 22; ctx.lineCap = 'round'; ctx.lineJoin = 'round';
    ctx.beginPath(); ctx.moveTo(last.x, last.y); ctx.lineTo(p.x, p.y); ctx.stroke();
    last = p;
  });
  pad.addEventListener('pointerup', () => { last = null; predict().catch((err) => show(status, String((err as Error).message))); });

  action(explainBtn, status, async () => {
    const digit = mnistCanvas(pad, paper);
    show(status, 'explaining (integrated gradients)…');
    const e = await app.model!.explain(digit);
    show(status, `${e.method}: why "${e.label ?? e.classIndex}" (score ${e.score.toFixed(3)} vs ${e.baseScore.toFixed(3)} for a blank image)`);
    if (e.saliency) show(heat, heatmap(digit, e.saliency));
  });

  show(root,
    h('p', { class: 'muted' }, 'Draw a digit (0–9) with the mouse or a finger; it is predicted when you lift the pen.'),
    h('div', { class: 'split' }, h('div', {}, pad, h('div', { class: 'row' }, clearBtn, explainBtn)), out, heat),
    status);
}
