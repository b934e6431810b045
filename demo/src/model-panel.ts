// Section 1: pick a model (manifest or dropped folder), pick backends, load with a progress
// bar, then say which backend the SDK picked and why, and what it holds in memory.
import * as tf from '@tensorflow/tfjs-core';
import type { BackendName, BackendPolicy, LoadProgress, Model } from '../../src/index.js';
import { loadChoice, makeClient, type App, type Timed, type Where } from './app.js';
import { choicesOf, fetchManifest, fetchSamples, type ModelChoice } from './catalog.js';
import { action, byId, bytes, h, ms, show, table } from './dom.js';
import { droppedIdProblem, filesOf, registerDrop } from './dropped.js';
import { switchErrorText } from './switch-error.js';

export const ALL_BACKENDS: BackendName[] = ['webgpu', 'wasm', 'webgl', 'cpu'];

export function checkedBackends(): BackendName[] {
  return ALL_BACKENDS.filter((b) => byId<HTMLInputElement>(`backend-${b}`).checked);
}

function progressView(): (p: LoadProgress | null) => void {
  const box = byId('progress'), bar = byId<HTMLProgressElement>('progress-bar'), text = byId('progress-text');
  return (p) => {
    box.hidden = p === null;
    if (!p) return;
    // What the last load went through, e.g. "manifest download:network verify:network compile warmup".
    const step = p.source && (p.phase === 'download' || p.phase === 'verify') ? `${p.phase}:${p.source}` : p.phase ?? 'download';
    if (p.phase === 'manifest' && p.loaded === 0) box.dataset.steps = '';
    if (!(box.dataset.steps ?? '').split(' ').includes(step)) box.dataset.steps = `${box.dataset.steps ?? ''} ${step}`.trim();
    bar.max = Math.max(1, p.total);
    bar.value = p.loaded;
    const amount = p.phase === 'download' || p.phase === 'verify' || !p.phase ? `${bytes(p.loaded)} / ${bytes(p.total)}` : '';
    show(text, `${p.phase ?? 'download'}${p.source ? ` (${p.source})` : ''} ${amount}`);
  };
}

export function memoryView(): HTMLElement {
  const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number; numBytesInGPUAllocated?: number };
  return h('span', {},
    h('span', { class: 'pill' }, `${m.numTensors} tensors`),
    h('span', { class: 'pill' }, `${bytes(m.numBytes)} in tensors`),
    m.numBytesInGPU !== undefined ? h('span', { class: 'pill' }, `${bytes(m.numBytesInGPU)} on GPU`) : null,
    // tf.memory() describes the page's tfjs engine on its current backend, which a comparison
    // run may have left on another backend than the model's; "unreliable" comes with reasons.
    h('span', { class: 'muted' }, ` tf.memory() of the page's tfjs engine, now on ${tf.getBackend()}`
      + (m.unreliable ? `: an upper bound (${(m.reasons ?? ['tfjs cannot count this backend exactly']).join(' ')})` : '')));
}

type LastGood = { failed: string; version: string; reason: string };

/** "digits 1.0.0+uint8", "uint8 (dropped folder)": how the page names a model to a person. */
function nameOf(c: ModelChoice, version = c.version): string {
  return c.channel === null ? `${c.id} (dropped folder)` : `${c.id} ${version ?? c.channel}`;
}

/** Why the model runs where it runs, in the words of what happened. */
function why(app: App, ticked: BackendName[], policy: BackendPolicy): HTMLElement {
  const m = app.model!;
  if (m.fallbacks.length) return table(['skipped backend', 'why'], m.fallbacks.map((f) => [f.backend, f.reason]));
  if (m.backend === ticked[0]) return h('p', { class: 'muted' }, `No backend was skipped: the first preference (${m.backend}) passed its self-test and runs the model.`);
  return h('p', { class: 'muted', id: 'backend-why' }, policy === 'fastest'
    ? `Policy "fastest" timed the model on every ticked backend that passed its self-test and picked ${m.backend}, the fastest on this device (ahead of ${ticked.slice(0, ticked.indexOf(m.backend)).join(', ')} in your order); none was skipped.`
    : `Policy "${policy}" moved the model to ${m.backend} (measured faster here than ${ticked[0]}); none was skipped.`);
}

/** Where the SDK runs, as the client said it (its worker-started / worker-unavailable events). */
function whereView(where: Where | null): HTMLElement {
  return h('p', { id: 'runs-in', 'data-in-worker': String(where?.inWorker === true) },
    h('span', { class: where?.inWorker ? 'pill' : 'pill bad' }, where?.inWorker ? 'worker' : 'main thread'), ` runs ${where?.note ?? 'where the client has not said'}`);
}

/**
 * Policy "auto": the model serves on the first working backend at once, and the SDK times the
 * others in idle time after the first predictions. The page says so, then what the pass measured.
 */
function autoView(timed: Timed | null): HTMLElement {
  if (!timed) return h('p', { class: 'muted', id: 'backend-auto' }, 'Policy "auto" serves on the first backend that works, then times the other ticked backends on this model in idle time after the first predictions and moves to the fastest between predictions; the measured times appear here (a verdict remembered from an earlier visit starts on its backend without timing again).');
  const list = Object.entries(timed.timings).sort((a, b) => a[1] - b[1]).map(([b, t]) => `${b} ${t.toFixed(2)} ms`).join(', ');
  return h('p', { class: 'muted', id: 'backend-auto', 'data-timed': list, 'data-backend': timed.to }, timed.from
    ? `Policy "auto" timed the model in idle time (per prediction: ${list}) and moved it from ${timed.from} to ${timed.to} between predictions.`
    : `Policy "auto" timed the model in idle time (per prediction: ${list}); ${timed.to} was already the fastest and stays.`);
}

function info(app: App, ticked: BackendName[], policy: BackendPolicy, where: Where | null, timed: Timed | null = null): HTMLElement {
  const m = app.model!;
  const fallbacks = why(app, ticked, policy);
  return h('div', {},
    h('p', {}, h('span', { class: 'big' }, m.backend), ` runs ${m.id}@${m.version} (${m.format}), loaded in ${ms(app.loadMs)}.`),
    whereView(where),
    fallbacks,
    policy === 'auto' ? autoView(timed) : null,
    // In a worker the tensors live in the worker's tfjs engine, which this page cannot read.
    h('p', { id: 'memory' }, where?.inWorker ? h('span', { class: 'muted' }, "the model's tensors are in the worker's tfjs engine; the page's own holds none of them") : memoryView()));
}

export async function initModelPanel(app: App): Promise<void> {
  const select = byId<HTMLSelectElement>('model-select');
  const status = byId('load-status');
  const errorBox = byId('model-error');
  const choices: ModelChoice[] = [];
  const addChoice = (c: ModelChoice, selected = false) => {
    choices.push(c);
    const label = c.channel === null ? `${c.id} (dropped folder)` : `${c.id} — ${c.channel} → ${c.entry!.url.split('/').slice(-3, -1).join('/')}${c.description ? ` — ${c.description}` : ''}`;
    select.append(h('option', { value: String(choices.length - 1), selected }, label));
  };
  try {
    for (const c of choicesOf(await fetchManifest())) addChoice(c);
  } catch (err) {
    status.classList.add('error');
    show(status, (err as Error).message);
  }

  show(byId('backend-boxes'), ...ALL_BACKENDS.map((b) => h('label', {}, h('input', { type: 'checkbox', id: `backend-${b}`, checked: true }), ` ${b} `)));

  // Dropped models send no telemetry unless the person ticks the box, and then under an id they
  // type: a folder name ("uint8", "jane-doe-scans") is not a model id to store.
  const consent = h('input', { type: 'checkbox', id: 'drop-telemetry' });
  const idInput = h('input', { type: 'text', id: 'drop-model-id', placeholder: 'model id, e.g. my-model', disabled: true });
  consent.addEventListener('change', () => { idInput.disabled = !consent.checked; });
  const consentRow = h('div', { class: 'row', id: 'drop-consent', hidden: true },
    h('label', {}, consent, ' send telemetry for the dropped model, as '), idInput,
    h('span', { class: 'muted', id: 'drop-consent-note' }, 'Off: nothing about a dropped model leaves this page.'));
  byId('drop').closest('.row')!.after(consentRow);

  const drop = byId('drop');
  const onFiles = async (source: DataTransfer | FileList) => {
    try {
      const c = await registerDrop(await filesOf(source));
      // The same files again are the same version: select the existing entry, add no new one.
      const known = choices.findIndex((x) => x.url === c.url);
      if (known >= 0) select.value = String(known);
      else addChoice(c, true);
      consentRow.hidden = false;
      status.classList.remove('error');
      show(status, `${c.id}: model.json and shards read from disk (version ${c.dropped.version}${c.dropped.labels ? `, ${c.dropped.labels.length} labels` : ', no labels file'}); press Load.`);
    } catch (err) {
      status.classList.add('error');
      show(status, (err as Error).message);
    }
  };
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); if (e.dataTransfer) void onFiles(e.dataTransfer); });
  byId<HTMLInputElement>('folder-input').addEventListener('change', (e) => {
    const input = e.target as HTMLInputElement;
    // Read, then clear, so choosing the same folder again fires 'change' again.
    if (input.files) void onFiles(input.files).finally(() => { input.value = ''; });
  });

  const inWorker = byId<HTMLInputElement>('run-in-worker');
  inWorker.addEventListener('change', () => { app.inWorker = inWorker.checked; });
  app.inWorker = inWorker.checked;

  const progress = progressView();
  const showError = ({ text, detail }: { text: string; detail: string }) => {
    show(errorBox, h('span', { id: 'model-error-text' }, text), ' ', h('span', { class: 'muted', id: 'model-error-detail' }, detail));
    errorBox.hidden = false;
  };
  /** A switch failed: the running model, its picker entry and its panels stay as they were. */
  const keepRunning = (err: unknown, wanted: ModelChoice) => {
    if (app.choice) select.value = String(choices.indexOf(app.choice));
    const kept = app.model && app.choice ? nameOf(app.choice, app.model.version) : null;
    show(status);
    showError(switchErrorText(err, nameOf(wanted), kept, navigator.onLine));
  };
  /** The SDK ran the last version that worked instead of `wanted`: say so, pick what runs. */
  const ranInstead = (e: LastGood, wanted: ModelChoice, model: Model): ModelChoice => {
    const cut = e.reason.indexOf(': '); // "CODE: message", as the SDK builds it
    const runs = choices.find((c) => c.id === wanted.id && c.version === model.version);
    showError(switchErrorText({ code: e.reason.slice(0, cut), message: e.reason.slice(cut + 2) }, nameOf(wanted, e.failed), nameOf(runs ?? wanted, model.version), navigator.onLine, true));
    if (runs) select.value = String(choices.indexOf(runs));
    return runs ?? wanted;
  };
  action(byId<HTMLButtonElement>('load'), status, async () => {
    let choice = choices[Number(select.value)];
    if (!choice) throw new Error('pick a model first');
    const backends = checkedBackends();
    if (!backends.length) throw new Error('tick at least one backend');
    const policy = byId<HTMLSelectElement>('policy').value as BackendPolicy;
    const dropped = choice.channel === null;
    const telemetry = !dropped || consent.checked;
    const droppedId = idInput.value.trim();
    if (dropped && telemetry) { const problem = droppedIdProblem(droppedId); if (problem) throw new Error(problem); }
    show(status, `loading ${choice.id}…`);
    errorBox.hidden = true;
    // The new model loads on its own client while the old one keeps serving; the swap happens
    // only once the new one runs. A failed switch (offline, 404, integrity) leaves the working
    // model, its picker entry and its panels as they were. With a model running, the SDK must
    // not quietly substitute an older cached version of the new pick (fallbackToCached).
    // With none running, the SDK may run the last version that worked (from the cache) instead
    // of a pick that fails; then the page says so, and the picker shows what runs.
    let where: Where | null = null;
    let lastGood: LastGood | null = null;
    let timed: Timed | null = null;
    // The idle pass reports after the first predictions, long after this handler returned: the
    // panel is drawn again then, if this client still serves the page.
    const onTimed = (t: Timed) => { timed = t; if (app.client === client) show(byId('model-info'), info(app, backends, policy, where, timed)); };
    const client = makeClient(app, { backends, policy, telemetry, fallbackToCached: !app.model, onLastGood: (e) => { lastGood = e; }, onTimed }, (w) => { where = w; });
    const t0 = performance.now();
    let model: Model;
    try {
      model = await loadChoice(client, choice, progress, dropped && telemetry ? droppedId : undefined);
    } catch (err) {
      await client.dispose().catch(() => {});
      keepRunning(err, choice);
      return;
    } finally {
      progress(null);
    }
    const loadMs = performance.now() - t0;
    const fellBack = lastGood as LastGood | null;
    if (fellBack) choice = ranInstead(fellBack, choice, model);
    const samples = (await fetchSamples(choice))?.set ?? null;
    // The old client's models go before the memory line is drawn (dispose frees tensors at
    // once, then flushes its telemetry).
    const closing = app.client?.dispose();
    Object.assign(app, { client, model, loadMs, choice, samples });
    show(status, dropped ? (telemetry ? `telemetry for this model goes to the collector as ${droppedId}@${choice.dropped?.version}` : 'no telemetry is sent for this dropped model') : '');
    show(byId('model-info'), info(app, backends, policy, where, timed));
    app.changed();
    await closing;
  });
  app.onModel(() => { if (!app.model) show(byId('model-info')); });
}
