// WebGPU on a software adapter: headless Chromium without a GPU (SwiftShader), Mesa's llvmpipe /
// lavapipe, and browsers that hand weak or blocklisted GPUs a fallback adapter. There the digits CNN
// predicted ~270x slower than on wasm, so such an adapter puts webgpu after wasm, with the reason.
import type { BackendName } from '../protocol/wire-types.js';
import type { Capabilities } from './capabilities.js';
import type { Fallback } from './choose-backend.js';

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|software|basic render/i;

interface AdapterLike { isFallbackAdapter?: boolean; info?: Record<string, unknown>; requestAdapterInfo?(): Promise<Record<string, unknown>> }

/** What the adapter is when it runs in software (e.g. 'a software adapter (google swiftshader)'), else null. */
export async function softwareAdapter(gpu: { requestAdapter(): Promise<AdapterLike | null> }): Promise<string | null> {
  try {
    const a = await gpu.requestAdapter();
    if (!a) return null; // no adapter at all: the webgpu backend's own init says so
    const info = a.info ?? (await a.requestAdapterInfo?.()) ?? {};
    const name = ['vendor', 'architecture', 'device', 'description'].map((k) => info[k]).filter(Boolean).join(' ');
    if (a.isFallbackAdapter || info.isFallbackAdapter) return `a fallback adapter${name ? ` (${name})` : ''}`;
    return SOFTWARE.test(name) ? `a software adapter (${name})` : null;
  } catch {
    return null;
  }
}

/** `order` with webgpu moved after wasm when WebGPU runs in software; `notes` says why. */
export async function backendOrder(order: BackendName[], caps: Capabilities): Promise<{ order: BackendName[]; notes: Fallback[] }> {
  const gpu = (globalThis as { navigator?: { gpu?: Parameters<typeof softwareAdapter>[0] } }).navigator?.gpu;
  const g = order.indexOf('webgpu'), w = order.indexOf('wasm');
  if (!caps.webgpu || !gpu || g < 0 || w < g) return { order, notes: [] }; // w < g also when wasm is absent
  const soft = await softwareAdapter(gpu);
  if (!soft) return { order, notes: [] };
  const rest: BackendName[] = order.filter((b) => b !== 'webgpu');
  rest.splice(rest.indexOf('wasm') + 1, 0, 'webgpu');
  return { order: rest, notes: [{ backend: 'webgpu', reason: `WebGPU runs on ${soft}, far slower than wasm: placed after wasm` }] };
}
