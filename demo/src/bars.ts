// Horizontal bar charts in plain DOM: class scores and signed feature attributions.
import { h } from './dom.js';

/** Scores in [0, 1]: `label  ████░░  0.93`. */
export function scoreBars(rows: { label: string; score: number }[]): HTMLElement {
  return h('div', { class: 'bars' }, ...rows.flatMap((r) => [
    h('span', {}, r.label),
    h('div', {}, h('div', { class: 'bar', style: `width:${Math.max(1, r.score * 100)}%` })),
    h('span', {}, r.score.toFixed(3)),
  ]));
}

/** Signed values around a centre line, scaled to the largest magnitude. */
export function signedBars(rows: { label: string; value: number; note?: string }[]): HTMLElement {
  const max = Math.max(1e-12, ...rows.map((r) => Math.abs(r.value)));
  return h('div', { class: 'bars' }, ...rows.flatMap((r) => {
    const w = (Math.abs(r.value) / max) * 50;
    const style = r.value >= 0 ? `margin-left:50%;width:${w}%` : `margin-left:${50 - w}%;width:${w}%`;
    return [
      h('span', {}, r.label),
      h('div', { style: 'border-left:1px solid transparent' }, h('div', { class: r.value >= 0 ? 'bar' : 'bar neg', style })),
      h('span', {}, `${r.value >= 0 ? '+' : ''}${r.value.toFixed(4)}${r.note ? `  (${r.note})` : ''}`),
    ];
  }));
}
