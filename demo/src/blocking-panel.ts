// Part of section 2: how much the backend comparison blocked this page's main thread, per run,
// so "run in a worker" can be compared with the main thread by eye: a table row per run
// (long tasks, event-lag percentiles) and a chart of the event lag of the last run.
import uPlot from 'uplot';
import { byId, ms, quantile, show, table } from './dom.js';
import type { Blocking } from './main-thread-meter.js';

interface Row { where: string; backends: string; b: Blocking }

export function blockingView(): { add(where: string, backends: string, b: Blocking): void } {
  const rows: Row[] = [];
  return {
    add(where, backends, b) {
      rows.push({ where, backends, b });
      show(byId('blocking-table'), table(['ran', 'backends', 'span', 'long tasks', 'long-task time', 'event lag p50', 'p98', 'max'], rows.map(({ where: w, backends: bs, b: x }) => {
        const lag = x.lags.map(([, l]) => l).sort((p, q) => p - q);
        return [w, bs, ms(x.spanMs), x.longTasks.length, ms(x.longTasks.reduce((a, [, d]) => a + d, 0)), ms(quantile(lag, 0.5)), ms(quantile(lag, 0.98)), ms(lag.at(-1))];
      })));
      chart(byId('blocking-chart'), where, b);
    },
  };
}

function chart(el: HTMLElement, where: string, b: Blocking): void {
  el.replaceChildren();
  el.dataset.samples = String(b.lags.length);
  el.dataset.where = where;
  if (!b.lags.length) return;
  new uPlot({
    width: Math.min(760, el.clientWidth || 760), height: 180,
    title: `main-thread event lag during the last comparison (${where}): how long a click would have waited`,
    scales: { x: { time: false } },
    axes: [{ label: 's' }, { label: 'ms' }],
    series: [{ label: 's' }, { label: 'event lag (ms)', stroke: '#b3261e', width: 1 }],
  }, [b.lags.map(([t]) => t / 1000), b.lags.map(([, l]) => l)], el);
}
