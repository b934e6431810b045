// User Timing marks on the load path, named `inferscope:<step>`, on whichever thread runs the
// step: DevTools' Performance panel shows them, and bench/main-thread lines both threads up on one
// clock (performance.timeOrigin + startTime) to say where worker mode's warm load spends its time.
// A handful per load() and none per prediction, so the page's timeline buffer does not grow with use.
export const mark = (step: string): void => { globalThis.performance?.mark?.(`inferscope:${step}`); };
