// The page's end of the message layer to the worker (src/sdk/worker/serve.ts is the other end).
// Purpose-built rather than Comlink: one listener for the client's lifetime, numbered calls as
// [id, method, args] arrays and answers as [id, ok, value] (no per-call listener, UUID or proxy
// wrapping), and it is smaller than Comlink on the page; BENCHMARKS.md "main-thread" has the
// measurements. A function passed through fn() is called by the worker with [0, fn, args] on the
// same port, so callbacks arrive in order with the answers: a load's progress events all reach
// the page before its answer.
import type { WorkerHost } from '../worker/wire.js';
import { reviveError } from './call.js';

/** The worker's calls as the page makes them: each one a promise of the worker's answer. */
export type Remote = { [K in keyof WorkerHost]: (...a: Parameters<WorkerHost[K]>) => Promise<Awaited<ReturnType<WorkerHost[K]>>> };

export interface Rpc {
  remote: Remote;
  /** Like remote[method](...args), moving `transfer` instead of copying it. */
  call<K extends keyof WorkerHost>(method: K, args: Parameters<WorkerHost[K]>, transfer: Transferable[]): Promise<Awaited<ReturnType<WorkerHost[K]>>>;
  /** `f` as an argument the worker can call; forget it with drop() when no call will use it again. */
  fn<F extends (...a: never[]) => unknown>(f: F): F;
  drop(f: unknown): void;
  /** Stop listening; calls still waiting reject with `reason`. */
  close(reason: unknown): void;
}

export function connect(ep: Worker): Rpc {
  let next = 0;
  const pending = new Map<number, [(v: unknown) => void, (e: unknown) => void]>();
  const fns = new Map<number, (...a: unknown[]) => unknown>();
  const onMessage = ({ data }: MessageEvent) => {
    if (!Array.isArray(data)) return; // not ours: an app's own worker (serve()) may post its own messages
    const [id, ok, value] = data as [number, number, unknown[]];
    if (!id) {
      try { void fns.get(ok)?.(...value); } catch { /* the app's callback threw: not the SDK's answer to give */ }
      return;
    }
    const p = pending.get(id);
    pending.delete(id);
    p?.[ok](ok ? value : reviveError(value));
  };
  ep.addEventListener('message', onMessage);
  (ep as unknown as MessagePort).start?.(); // a MessagePort (tests, an app's own channel) queues until started
  const call: Rpc['call'] = (method, args, transfer) => new Promise((resolve, reject) => {
    const id = ++next;
    // A value postMessage cannot clone throws here, before anything was sent.
    try { ep.postMessage([id, method, args], transfer); } catch (err) { reject(reviveError(err)); return; }
    pending.set(id, [reject, resolve as (v: unknown) => void]); // indexed by the answer's ok (0 / 1)
  });
  return {
    // (`then` stays undefined so that the remote is never taken for a promise.)
    remote: new Proxy({} as Remote, { get: (_, method) => method === 'then' ? undefined : (...args: never) => call(method as keyof WorkerHost, args, []) }),
    call,
    fn(f) {
      fns.set(++next, f as never);
      return { inferscopeFn: next } as never;
    },
    drop(f) { fns.delete((f as { inferscopeFn?: number } | undefined)?.inferscopeFn as number); },
    close(reason) {
      ep.removeEventListener('message', onMessage);
      for (const [, [reject]] of pending) reject(reason);
      pending.clear();
      fns.clear();
    },
  };
}
