// tfjs in Node without tfjs-node: the WASM backend (SIMD build, files shipped inside
// @tensorflow/tfjs-backend-wasm) or the plain-JS cpu backend. Imported lazily by the
// commands that run a model, so `--help` and `manifest add` stay fast.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type NodeBackend = 'wasm' | 'cpu';

/** Registers and selects a backend; returns the tfjs-core module. Safe to call twice. */
export async function initTf(backend: NodeBackend = 'wasm') {
  const tf = await import('@tensorflow/tfjs-core');
  if (tf.getBackend() === backend) return tf;
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const require = createRequire(import.meta.url);
    const dist = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/';
    wasm.setWasmPaths(dist);
  } else {
    await import('@tensorflow/tfjs-backend-cpu');
  }
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend "${backend}" failed to start`);
  await tf.ready();
  return tf;
}
