// bench/main-thread, the round trip taken apart (#14): where one digits-CNN predict() spends its
// time in worker mode and in direct mode, from timestamps taken on both threads on one clock
// (performance.timeOrigin + performance.now(): the page and its dedicated worker share the
// renderer's monotonic clock). Runs on a page of its own with two traced clients, so the hooks'
// small cost (a few µs per kernel) never touches the untraced cases of the bench:
// - direct: the page's tfjs engine (the global `_tfengine` tfjs-core keeps) has makeTensor,
//   runKernel, read/readSync and disposeTensor wrapped to stamp the predict's steps;
// - worker: the SDK's worker script imported by a wrapper worker (TRACED_WORKER) that stamps a call's
//   arrival before the SDK sees it, wraps the same engine methods in the worker, and stamps the
//   answer's postMessage; the page wraps the Worker's postMessage and listens first for the answer.
// performance.now() is coarsened to 0.1 ms on a page that is not cross-origin isolated (as here:
// isolation would switch wasm to threads). Chromium's clamp draws a random threshold inside each
// 0.1 ms interval, so a difference of two stamps is unbiased: each step is reported as the mean
// over a block of 20 calls, median over blocks, as the bench's other round-trip cases are.
import { median } from './main-thread-stats.js';

/** One traced call: stamps in ms on the shared clock, named by where they were taken. */
export type Stamps = Record<string, number>;

// Shared by both threads: wraps the engine's methods once, stamping into `rec(tag, start, end)`.
const HOOK = `function hookEngine(g, rec) {
  const e = g._tfengine;
  if (!e || e.inferscopeTraced) return;
  e.inferscopeTraced = true;
  const wrap = (name, tag) => {
    const f = e[name];
    e[name] = function (...a) {
      const s = T(), r = f.apply(this, a);
      if (r && typeof r.then === 'function') r.then(() => rec(tag, s, T()), () => {}); else rec(tag, s, T());
      return r;
    };
  };
  wrap('makeTensor', 'mk'); wrap('runKernel', 'ex'); wrap('readSync', 'rd'); wrap('read', 'rd'); wrap('disposeTensor', 'dp');
}
// First start and last end of each step, and the summed time of the dispose calls.
const rec = (tag, s, t) => { if (!cur) return; cur[tag + '0'] ??= s; cur[tag + '1'] = t; if (tag === 'dp') { const k = cur.wposted ? 'dpAfter' : 'dpSum'; cur[k] = (cur[k] ?? 0) + t - s; } };
const T = () => performance.timeOrigin + performance.now();`;

/** The wrapper worker: stamps, then the SDK's own worker script (dist/, or ?dist=).
 *  `{ benchTrace: 1 }` answers the stamps so far; `{ benchBusy: ms }` keeps this thread's event
 *  loop busy that long after each answer (an experiment: does a thread that never sleeps answer faster?). */
export const TRACED_WORKER = `${HOOK}
let cur = null, busyMs = 0;
const calls = [];
// Messages that arrive before the SDK's entry has run (the client's init) are held and replayed,
// as the entry itself does until its chunks are in (src/worker.ts).
let ready = false;
const held = [];
addEventListener('message', (e) => {
  if (!ready) { held.push(e); return; }
  const d = e.data;
  if (d && d.benchTrace) { postMessage({ benchTrace: calls.splice(0) }); return; }
  if (d && typeof d.benchBusy === 'number') { busyMs = d.benchBusy; postMessage({ benchBusy: busyMs }); return; }
  if (Array.isArray(d) && d[1] === 'predict') { hookEngine(self, rec); cur = { wrecv: T() }; calls.push(cur); }
});
// Stay runnable for busyMs: a chain of MessageChannel tasks (never a timer, which would sleep),
// with the next call's message free to run between them.
const ch = new MessageChannel();
let until = 0;
ch.port1.onmessage = () => { if (T() < until) ch.port2.postMessage(0); };
const post = self.postMessage.bind(self);
self.postMessage = (m, t) => {
  if (!cur || !Array.isArray(m)) return post(m, t);
  // A page function called during a predict (telemetry's copy of the open window, for the page's unload send).
  if (m[0] === 0) { cur.cbN = (cur.cbN ?? 0) + 1; return post(m, t); }
  const c = cur;
  c.wpost = T(); post(m, t); c.wposted = T();
  // The SDK frees the input's tensors after posting (reply.ts): their dispose lands after wposted.
  queueMicrotask(() => { if (cur === c) cur = null; });
  if (busyMs) { until = T() + busyMs; ch.port2.postMessage(0); }
};
// ?dist=: another build of the SDK served beside dist/ (BENCH_BASELINE_DIST), for a same-page A/B.
import(new URL((new URLSearchParams(location.search).get('dist') ?? '/dist') + '/inferscope.worker.js', location.href).href).then(() => {
  ready = true;
  for (const e of held.splice(0)) dispatchEvent(new MessageEvent('message', { data: e.data, ports: [...e.ports] }));
}, (e) => console.error('the SDK worker entry did not load:', e && e.message));
`;

/** Echo workers for the floor, with the arrival and answer stamped: one answering on its global
 *  scope, one on a MessageChannel port the page hands it. */
export const ECHO_WORKER = `const T = () => performance.timeOrigin + performance.now();
const answer = (port) => (e) => { const wrecv = T(); const y = new Float32Array(10); port.postMessage({ y, wrecv, wpost: T() }, [y.buffer]); };
onmessage = (e) => { if (e.data && e.data.port) { e.data.port.onmessage = answer(e.data.port); return; } answer(self)(e); };`;

/** The trace page's driver, appended to the bench page's script (it uses its `digit`, `now`, `sleep`). */
export const TRACE_PAGE = `${HOOK}
let cur = null;
const trace = {};
window.benchTrace = {
  // clients: { name: { worker: boolean, dist?: '/dist-base', telemetry: boolean } }, each loads the digits CNN.
  async setup(manifestUrl, clients) {
    trace.models = {};
    trace.workers = {};
    // Telemetry on: a real endpoint on this server (it answers 204); the window is sent on flush only.
    const telemetry = { endpoint: location.origin + '/bench-collector/v1/batches', appKey: 'pk_bench' };
    for (const [name, o] of Object.entries(clients)) {
      let worker = false;
      if (o.worker) {
        const w = (worker = new Worker('/bench-traced-worker.js' + (o.dist ? '?dist=' + o.dist : ''), { type: 'module' }));
        const post = w.postMessage.bind(w);
        w.postMessage = (m, t) => { if (cur && Array.isArray(m) && m[1] === 'predict') cur.ppost = T(); return post(m, t); };
        // Registered before the SDK's own listener (connect() in rpc.ts), so it runs first.
        w.addEventListener('message', (e) => {
          const d = e.data;
          if (cur && Array.isArray(d) && d[0] !== 0 && cur.precv === undefined) cur.precv = T();
          if (d && d.benchTrace) trace.got?.(d.benchTrace);
          if (d && d.benchBusy !== undefined) trace.busySet?.();
        });
        trace.workers[name] = w;
      }
      const client = InferScope.createClient({ worker, workerFallback: false, manifestUrl, backends: ['wasm'], telemetry: o.telemetry ? telemetry : undefined });
      trace.models[name] = await client.load('digits', { channel: 'float32' });
      if (trace.models[name].backend !== 'wasm') throw new Error(name + ': ran on ' + trace.models[name].backend);
    }
    hookEngine(window, rec);
    const echo = new Worker('/bench-echo-stamped.js');
    const portEcho = new MessageChannel();
    echo.postMessage({ port: portEcho.port2 }, [portEcho.port2]);
    trace.echo = { worker: echo, port: portEcho.port1 };
  },
  // k predictions of one traced client, back to back (or each after a timer of pause ms), each call's stamps.
  // busy: the worker keeps its event loop busy that many ms after each answer; pageBusy: the page
  // keeps its own busy while it waits (a diagnostic: no page should spin).
  async trips(name, k, { pause, busy = 0, pageBusy = false } = {}) {
    const model = trace.models[name], w = trace.workers[name];
    if (w) await new Promise((r) => { trace.busySet = r; w.postMessage({ benchBusy: busy }); });
    const xs = Array.from({ length: k }, () => digit.slice());
    const calls = [];
    for (const x of xs) {
      if (pause !== undefined) await sleep(pause);
      cur = { start: T() };
      calls.push(cur);
      let spinning = pageBusy;
      if (pageBusy) { const ch = new MessageChannel(); ch.port1.onmessage = () => { if (spinning) ch.port2.postMessage(0); else ch.port1.close(); }; ch.port2.postMessage(0); }
      await model.predict(x);
      spinning = false;
      cur.end = T();
      cur = null;
    }
    if (w) {
      const stamps = await new Promise((r) => { trace.got = r; w.postMessage({ benchTrace: 1 }); });
      stamps.forEach((s, i) => Object.assign(calls[i], s));
    }
    return calls;
  },
  // k echo round trips (the digits input transferred, 10 floats back), on the worker's own
  // postMessage or on a MessageChannel port; each call's stamps.
  async echo(kind, k) {
    const ep = trace.echo[kind];
    const xs = Array.from({ length: k }, () => digit.slice());
    const calls = [];
    for (const x of xs) {
      const start = T();
      const d = await new Promise((r) => { ep.onmessage = (e) => r(e.data); ep.postMessage(x, [x.buffer]); });
      calls.push({ start, wrecv: d.wrecv, wpost: d.wpost, end: T() });
    }
    return calls;
  },
};`;

/** The steps, in order, as differences of consecutive stamps; a step whose stamps are missing is left out. */
export const WORKER_STEPS: [string, string, string][] = [
  ['page: proxy until postMessage', 'start', 'ppost'],
  ['message page -> worker', 'ppost', 'wrecv'],
  ['worker: until the input tensor (dispatch, revive, validate)', 'wrecv', 'mk0'],
  ['input tensor(s) made', 'mk0', 'ex0'],
  ['execute (first to last kernel)', 'ex0', 'ex1'],
  ['after execute until read back', 'ex1', 'rd0'],
  ['read back (dataSync/data)', 'rd0', 'rd1'],
  ['worker: after read until postMessage (top-k, record, result)', 'rd1', 'wpost'],
  ['worker: postMessage call', 'wpost', 'wposted'],
  ['message worker -> page', 'wposted', 'precv'],
  ['page: answer until the promise resolved', 'precv', 'end'],
];
export const DIRECT_STEPS: [string, string, string][] = [
  ['until the input tensor (validate, prepare)', 'start', 'mk0'],
  ['input tensor(s) made', 'mk0', 'ex0'],
  ['execute (first to last kernel)', 'ex0', 'ex1'],
  ['after execute until read back', 'ex1', 'rd0'],
  ['read back (dataSync/data)', 'rd0', 'rd1'],
  ['after read until resolved (top-k, record, result)', 'rd1', 'end'],
];
export const ECHO_STEPS: [string, string, string][] = [
  ['message page -> worker', 'start', 'wrecv'],
  ['worker: answer made', 'wrecv', 'wpost'],
  ['message worker -> page', 'wpost', 'end'],
];

/** Per step: mean over each block of `block` calls, median over the blocks (ms). Plus the total. */
export function breakdown(calls: Stamps[], steps: [string, string, string][], block = 20): { step: string; ms: number }[] {
  const rows = [...steps, ['total', steps[0]![1], steps.at(-1)![2]] as [string, string, string]];
  return rows.flatMap(([step, a, b]) => {
    const blocks: number[] = [];
    for (let i = 0; i < calls.length; i += block) {
      const d = calls.slice(i, i + block).filter((c) => c[a] !== undefined && c[b] !== undefined).map((c) => c[b]! - c[a]!);
      if (d.length) blocks.push(d.reduce((x, y) => x + y, 0) / d.length);
    }
    return blocks.length ? [{ step, ms: median(blocks) }] : [];
  });
}

/** Mean of one stamp field over blocks of calls (median of block means), e.g. the summed dispose time. */
export function field(calls: Stamps[], name: string, block = 20): number {
  const blocks: number[] = [];
  for (let i = 0; i < calls.length; i += block) {
    const xs = calls.slice(i, i + block).map((c) => c[name] ?? 0);
    blocks.push(xs.reduce((x, y) => x + y, 0) / xs.length);
  }
  return median(blocks);
}
