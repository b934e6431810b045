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
}

interface CommonLoadOptions {
  /** Input specs (shape, dtype, image resize/normalization); override what the model says. */
  inputs?: InputSpec[];
  /** Output specs; `labels` of the first output give `top` its label text. */
  outputs?: OutputSpec[];
  onProgress?: (p: LoadProgress) => void;
  signal?: AbortSignal;
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

/** Resolve `client.load({ url })` to one model version (ids go through the manifest in delivery). */
export function resolveLoadTarget(target: UrlLoadOptions): LoadTarget {
  if (target == null || typeof target.url !== 'string' || target.url === '') {
    throw new InferScopeError('MODEL_NOT_FOUND', 'client.load() needs a model id or { url: "…/model.json" }');
  }
  const { url, id = idFromUrl(url), version = 'direct', inputs, outputs } = target;
  return { id, version, variant: 'direct', url, inputs, outputs };
}
