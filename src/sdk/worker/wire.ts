// The boundary between the page (src/sdk/proxy/) and the worker (src/sdk/worker/): the calls
// the worker answers and the shape of what crosses. Types only, plus the error wire format,
// because the page-side proxy imports this file and must stay small.
//
// What crosses how (postMessage structured clone; "transferred" = moved, no copy):
//   page -> worker  typed arrays: transferred when the view covers its whole ArrayBuffer,
//                   otherwise the view is copied first (slice) and the copy transferred;
//                   ImageBitmap: transferred; canvas, <img>, <video>, ImageData, OffscreenCanvas:
//                   turned into an ImageBitmap on the page (createImageBitmap), then transferred;
//                   tf.Tensor: its values copied out (dataSync) and transferred; nested arrays,
//                   options, labels: copied.
//   worker -> page  prediction data (every output): transferred; explanations, model info,
//                   cache listings, delivery events, progress: copied (small).
// A transferred input is gone from the caller afterwards (its buffer is detached, the bitmap
// closed): pass x.slice() to keep a copy.
import type { BackendName } from '../../protocol/wire-types.js';
import type { Fallback } from '../choose-backend.js';
import type { ClientOptions } from '../client.js';
import type { CachedModel, DeliveryEvent } from '../delivery/types.js';
import type { LoadProgress } from '../fetch-model.js';
import type { ErrorCode } from '../errors.js';
import type { ExplainOptions, Explanation } from '../explain/types.js';
import type { Prediction } from '../model.js';
import type { IdLoadOptions, UrlLoadOptions } from '../resolve-target.js';
import type { OutboxItem } from '../telemetry/outbox.js';
import type { Stash } from '../telemetry/unload-stash.js';
import type { PageEvents } from '../telemetry/options.js';
import type { VitalName } from '../telemetry/recorder.js';

/** A tf.Tensor's values, copied out on the page (the worker has its own tfjs). */
export interface WireTensor { inferscopeTensor: { values: ArrayBufferView; shape: number[]; dtype: string } }

/** What the model can tell without a call: refreshed with every answer from the worker (version
 *  too: a channel's new version swaps into the same model, as in direct mode). */
export interface ModelState { backend: BackendName; fallbacks: Fallback[]; version: string }
/** `handle` is the same for every load() that answers the same worker-side model. */
export interface ModelInfo extends ModelState { handle: number; id: string; format: 'graph-model' | 'layers-model' }

/** ClientOptions minus what cannot be cloned (functions, factories) and the worker choice itself. */
export type WorkerClientOptions = Omit<ClientOptions, 'fetch' | 'idbFactory' | 'onDeliveryEvent' | 'testHooks' | 'worker' | 'workerFallback' | 'cache' | 'pageStore'> & {
  idbFactory?: false;
  cache?: { maxBytes?: number } | false;
};
export type WireLoadOptions = Omit<IdLoadOptions, 'onProgress' | 'signal'>;
export type WireUrlTarget = Omit<UrlLoadOptions, 'onProgress' | 'signal'>;

/** init()'s arguments from the page's localStorage (src/sdk/proxy/page-passes.ts): the SDK's stored
 *  self-test passes and last-version hints, and where the worker reports each one it writes or removes (value null). */
export type PassInitArgs = [passes?: Record<string, string>, savePass?: (key: string, value: string | null) => void];

/** init()'s telemetry arguments from the page (src/sdk/proxy/page-telemetry.ts). */
export type PageInitArgs = [onPending?: PageEvents['pending'], stash?: Stash, release?: (ids: string[]) => void];

/** The object the worker exposes (src/sdk/worker/host.ts); the page calls it through src/sdk/proxy/rpc.ts. */
export interface WorkerHost {
  /** `onPending`: the open telemetry window, after each change, for the page's unload send;
   *  `stash`, `release`: the page's unload stash, which telemetry here moves into the outbox.
   *  `passes`, `savePass`: the remembered self-test passes the page keeps for the worker.
   *  Resolves the collector URL (with ?key=) when telemetry is on, for the page's unload send. */
  init(options: WorkerClientOptions, onEvent?: (e: DeliveryEvent) => void, passes?: PassInitArgs[0], savePass?: PassInitArgs[1], ...page: PageInitArgs): string | undefined;
  load(target: string | WireUrlTarget, options: WireLoadOptions, onProgress?: (p: LoadProgress) => void, abortId?: number): Promise<ModelInfo>;
  abort(abortId: number): void;
  /** `state` only when it changed since the page last heard it. */
  predict(handle: number, input: unknown): Promise<{ prediction: Prediction; state?: ModelState }>;
  explain(handle: number, input: unknown, options?: ExplainOptions): Promise<{ explanation: Explanation; state?: ModelState }>;
  disposeModel(handle: number): void;
  cached(): Promise<CachedModel[]>;
  evict(id: string, version?: string): Promise<number>;
  feedback(predictionId: string, label: string): Promise<boolean>;
  flush(): Promise<void>;
  dispose(): Promise<void>;
  /** The page's pagehide / visibilitychange / online, and its web-vitals reports (telemetry runs here). */
  hidden(): void;
  visible(): void;
  online(): void;
  vital(name: VitalName, id: string, value: number): void;
  /** Another page's unload stash, read by this page under the drain lock: moved into the outbox; resolves the ids moved. */
  adopt(stash: Stash): Promise<string[]>;
}

/** An error as it crosses: InferScopeError keeps its code and message. */
export interface WireError { name: string; message: string; code?: ErrorCode; cause?: string }

export function toWireError(err: unknown): WireError {
  const e = err as { name?: unknown; message?: unknown; code?: unknown; cause?: { message?: unknown } } | null;
  const w: WireError = { name: typeof e?.name === 'string' ? e.name : 'Error', message: typeof e?.message === 'string' ? e.message : String(err) };
  if (w.name === 'InferScopeError' && typeof e?.code === 'string') w.code = e.code as ErrorCode;
  if (e?.cause != null) w.cause = String(e.cause.message ?? e.cause);
  return w;
}
