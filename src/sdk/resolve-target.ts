// What client.load() was asked for, resolved to one concrete model version to fetch.
// Ids are resolved by the delivery layer (manifest + channels + rollout); this is the `{ url }` case.
import type { Baseline, InputSpec, ModelFormat, OutputSpec } from '../protocol/manifest-types.js';
import type { Variant } from '../protocol/wire-types.js';
import { InferScopeError } from './errors.js';
import type { LoadProgress } from './fetch-model.js';

export interface LoadTarget {
  id: string;
  version: string;
  variant: Variant;
  /** Absolute or page-relative model.json URL. */
  url: string;
  format?: ModelFormat;
  inputs?: InputSpec[];
  outputs?: OutputSpec[];
  /** Training baseline for drift; when present, predictions hand telemetry their inputs (lazily). */
  baseline?: Baseline;
  /** Accept NaN/±Infinity in inputs (else INPUT_INVALID). */
  allowNonFinite?: boolean;
}

interface CommonLoadOptions {
  /** Input specs (shape, dtype, image resize/normalization); override what the model says. */
  inputs?: InputSpec[];
  /** Output specs; `labels` of the first output give `top` its label text. */
  outputs?: OutputSpec[];
  onProgress?: (p: LoadProgress) => void;
  signal?: AbortSignal;
  /** Accept NaN and ±Infinity in inputs, for models that expect them. Default false: INPUT_INVALID. */
  allowNonFinite?: boolean;
}

/** `client.load({ url })`: a converter model.json URL, no manifest needed. */
export interface UrlLoadOptions extends CommonLoadOptions {
  url: string;
  /** Model id reported in telemetry; default: the URL's parent folder name. */
  id?: string;
  /** Version reported in telemetry and used to key the backend verdict; default 'direct'. */
  version?: string;
}

/** `client.load('digits', { channel })`: a model id from the manifest. */
export interface IdLoadOptions extends CommonLoadOptions {
  channel?: string;
}

function idFromUrl(url: string): string {
  const parts = url.split(/[?#]/)[0]!.split('/').filter(Boolean);
  return parts.length >= 2 ? parts[parts.length - 2]! : 'model';
}

const CALL_FORMS = "client.load('model-id', { channel: 'stable' }) (needs manifestUrl) or client.load({ url: '/models/x/model.json' })";

/** What client.load() accepts: a non-empty id string or an object with a url. Throws before any work starts. */
export function assertLoadTarget(target: unknown): asserts target is string | UrlLoadOptions {
  if (typeof target === 'string' ? target !== '' : target != null && typeof target === 'object' && typeof (target as UrlLoadOptions).url === 'string' && (target as UrlLoadOptions).url !== '') return;
  const got = target === undefined ? 'no argument' : target === null ? 'null' : typeof target === 'object' ? 'an object without a url' : `${typeof target} ${String(target).slice(0, 40)}`;
  throw new InferScopeError('MODEL_NOT_FOUND', `client.load() got ${got}; call ${CALL_FORMS}`);
}

/** Resolve `client.load({ url })` to one model version (ids go through the manifest in delivery). */
export function resolveLoadTarget(target: UrlLoadOptions): LoadTarget {
  if (target == null || typeof target.url !== 'string' || target.url === '') {
    assertLoadTarget(target);
  }
  const { url, id = idFromUrl(url), version = 'direct', inputs, outputs, allowNonFinite } = target;
  return { id, version, variant: 'direct', url, inputs, outputs, allowNonFinite };
}
