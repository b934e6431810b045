// How blocked the page's main thread is while something runs, the way a person feels it:
//  - long tasks: PerformanceObserver 'longtask' (tasks over 50 ms; Chromium only, see
//    https://w3c.github.io/longtasks/), their count and total time;
//  - event lag: a probe task queued ~4 ms after the previous one ran (setTimeout, then a
//    MessageChannel message) records how late it ran, i.e. how long a click arriving at that
//    moment would have waited. The same probe as bench/main-thread.bench.ts.

export interface Blocking {
  /** [ms since start, lag in ms] per probe. */
  lags: [number, number][];
  /** [ms since start, duration in ms] per long task. */
  longTasks: [number, number][];
  spanMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Start measuring; stop() resolves what was seen since. */
export function meterMainThread(): { stop(): Promise<Blocking> } {
  const t0 = performance.now();
  const longTasks: [number, number][] = [];
  const lags: [number, number][] = [];
  let obs: PerformanceObserver | null = null;
  if (PerformanceObserver.supportedEntryTypes?.includes('longtask')) {
    obs = new PerformanceObserver((list) => { for (const e of list.getEntries()) longTasks.push([e.startTime - t0, e.duration]); });
    obs.observe({ type: 'longtask' });
  }
  let probing = true;
  let due = t0;
  const ch = new MessageChannel();
  ch.port1.onmessage = () => {
    const t = performance.now();
    lags.push([t - t0, Math.max(0, t - due)]);
    if (probing) { due = t + 4; setTimeout(() => ch.port2.postMessage(0), 4); }
  };
  ch.port2.postMessage(0);
  return {
    async stop() {
      await sleep(100); // long-task entries are delivered after the task ended
      probing = false;
      obs?.disconnect();
      ch.port1.close();
      return { lags, longTasks, spanMs: performance.now() - t0 };
    },
  };
}
