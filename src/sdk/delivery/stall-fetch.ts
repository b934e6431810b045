// Every manifest and model fetch goes through this guard. A request that never answers, or a
// body that stops arriving, would otherwise hold its version's install lock (locks.ts) forever,
// and every later load of that version (in every tab) would wait behind it. The guard fails a
// fetch after `ms` without headers or without a body chunk (a slow but moving body is never cut),
// and `life` (the client's dispose) aborts every fetch still running. It errors the body itself
// instead of trusting the underlying fetch to honour the abort (a fetch double may not).
import { InferScopeError } from '../errors.js';

export function stallGuard(fetch: typeof globalThis.fetch, ms: number, life: AbortSignal): typeof globalThis.fetch {
  return async (input, init = {}) => {
    const ac = new AbortController();
    let fail!: (e: unknown) => void;
    const failed = new Promise<never>((_, no) => { fail = no; });
    failed.catch(() => {});
    let bytes = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const signals = [life, init.signal];
    const end = () => { clearTimeout(timer); for (const s of signals) s?.removeEventListener('abort', onAbort); };
    const stop = (e: unknown) => { end(); ac.abort(e); fail(e); };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => stop(new InferScopeError('NETWORK', `GET ${input} stalled ${ms / 1e3} s (${bytes} bytes in); check the network or raise stallTimeoutMs`)), ms);
    };
    function onAbort() { stop(life.aborted ? new InferScopeError('DISPOSED', 'the client was disposed while loading') : init.signal!.reason); }
    for (const s of signals) s?.addEventListener('abort', onAbort);
    if (signals.some((s) => s?.aborted)) onAbort();
    arm();
    const res = await Promise.race([fetch(input, { ...init, signal: ac.signal }), failed]).catch((e) => { end(); throw e; });
    if (!res.body || res.status === 304) { end(); return res; }
    // The clock runs only while a read waits on the network: a consumer that is busy elsewhere
    // (a lazy chunk loading before the manifest is parsed) is not a stalled server.
    const reader = res.body.getReader();
    return new Response(new ReadableStream<Uint8Array>({
      async pull(c) {
        arm();
        const r = await Promise.race([reader.read(), failed]);
        clearTimeout(timer);
        if (r.done) { end(); c.close(); } else { bytes += r.value.byteLength; c.enqueue(r.value); }
      },
      cancel: (e) => { end(); return reader.cancel(e); },
    }), res);
  };
}
