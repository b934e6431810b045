// Section 4: the interactive part, by input kind: a drawing pad for image models, a form with
// a drift control for tabular ones, a random example for anything else.
import type { App } from './app.js';
import { kindOf } from './catalog.js';
import { exampleInput } from './compare-panel.js';
import { action, byId, h, show } from './dom.js';
import { digitPad } from './digit-pad.js';
import { scoreBars } from './bars.js';
import { tabularPanel } from './tabular-panel.js';
import { isImageShape } from './dropped.js';
import { imagePicker } from './image-picker.js';
import { labelNote, namedTop } from './try-labels.js';

function tensorPanel(app: App, root: HTMLElement): void {
  const out = h('div', {});
  const status = h('div', { class: 'status' });
  const button = h('button', {}, 'Predict one example');
  action(button, status, async () => {
    const r = await app.model!.predict(exampleInput(app));
    const top = namedTop(app, r.top);
    show(out, h('p', {}, `output shape [${r.shape.join(', ')}] in ${r.ms.toFixed(2)} ms; first values ${Array.from(r.data.slice(0, 8), (v) => v.toFixed(4)).join(', ')}`), top.length ? scoreBars(top) : null);
  });
  show(root, h('p', { class: 'muted' }, `Input shape [${app.choice!.exampleShape.join(', ')}] filled with ${app.samples ? 'the first labelled sample' : 'random values'}.`), labelNote(app), button, out, status);
}

export function initTryPanel(app: App): void {
  const root = byId('try');
  app.onModel(() => {
    if (!app.model || !app.choice) { show(root, h('p', { class: 'muted' }, 'Load a model first.')); return; }
    const kind = kindOf(app.choice);
    if (kind === 'image' && app.choice.exampleShape[0] === 28) digitPad(app, root);
    else if (app.choice.dropped && isImageShape(app.choice.exampleShape)) imagePicker(app, root);
    else if (kind === 'tabular') tabularPanel(app, root);
    else tensorPanel(app, root);
  });
  app.changed();
}
