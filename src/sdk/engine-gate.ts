// tfjs has ONE engine per page with ONE active backend (global state). Models that
// InferScope loads keep their weights on the backend they were loaded on, so every
// operation that creates or runs tensors for a model goes through this gate: it
// serializes work per engine and switches the engine to the model's backend first.
// Synchronous graph execution is atomic within one turn; executeAsync yields between ops,
// which is why the gate is a queue rather than a plain switch.
import * as tf from '@tensorflow/tfjs-core';

interface Gate { tail: Promise<unknown>; busy: number }
// Keyed by the engine object, filled lazily: nothing happens at import time.
const gates = new WeakMap<object, Gate>();

function gateFor(): Gate {
  const engine = tf.engine();
  let gate = gates.get(engine);
  if (!gate) { gate = { tail: Promise.resolve(), busy: 0 }; gates.set(engine, gate); }
  return gate;
}

/** Run `fn` with the engine on `backend`, after every earlier gated task has settled. */
export function onBackend<T>(backend: string, fn: () => T | Promise<T>): Promise<T> {
  const gate = gateFor();
  // Fast path (every predict of a one-backend page): nothing queued and the engine already on
  // this backend, so run now instead of hopping through the queue.
  if (gate.busy === 0 && tf.getBackend() === backend) {
    let out: T | Promise<T>;
    try { out = fn(); } catch (err) { return Promise.reject(err); }
    if (!(out instanceof Promise)) return Promise.resolve(out);
    return track(gate, out);
  }
  const run = async (): Promise<T> => {
    if (tf.getBackend() !== backend) {
      const ok = await tf.setBackend(backend);
      if (!ok) throw new Error(`tfjs could not switch to the '${backend}' backend`);
    }
    return fn();
  };
  return track(gate, gate.tail.then(run, run));
}

function track<T>(gate: Gate, p: Promise<T>): Promise<T> {
  gate.busy++;
  const done = p.finally(() => { gate.busy--; });
  gate.tail = done.catch(() => undefined);
  return done;
}

/** Run `fn` after earlier gated work, without choosing a backend (backend initialization). */
export function exclusive<T>(fn: () => T | Promise<T>): Promise<T> {
  const gate = gateFor();
  const run = async () => fn();
  return track(gate, gate.tail.then(run, run));
}
