// Class names for a dropped model: a labels file dropped with it, or a plain statement that
// there is none (the classes are then output indices, not names).
import type { App } from './app.js';
import { h } from './dom.js';

type Top = { label: string; score: number }[];

/**
 * `top` with the dropped folder's labels applied (manifest models come labelled by the SDK;
 * a URL-loaded model without output labels gets its class index as the label).
 */
export function namedTop(app: App, top: Top | undefined): Top {
  const labels = app.choice?.dropped?.labels;
  return (top ?? []).map((t) => (labels?.[Number(t.label)] !== undefined ? { ...t, label: labels[Number(t.label)]! } : t));
}

/** For dropped models: where the names come from, or that labels are missing and how to add them. */
export function labelNote(app: App): HTMLElement | null {
  const d = app.choice?.dropped;
  if (!d) return null;
  return d.labels
    ? h('p', { class: 'muted', id: 'labels-note' }, `Class names from the folder's labels file (${d.labels.length}).`)
    : h('p', { class: 'warn', id: 'labels-note' }, 'Labels missing: classes are shown as output indices (0, 1, 2, …). Add labels.txt (one class name a line) or labels.json (an array) to the folder and drop it again.');
}
