// What client.load() was asked for, resolved to one concrete model version to fetch.
// Ids are resolved by the delivery layer (manifest + channels + rollout); this is the `{ url }` case.
import type { Baseline, InputSpec, ModelFormat, OutputSpec } from '../protocol/manifest-types.js';
import type { Variant } from '../protocol/wire-types.js';
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

/** What client.load() accepts: a non-empty id string or an object with a url (load-errors.ts says what else came). */
export const isLoadTarget = (target: unknown): target is string | UrlLoadOptions =>
  typeof target === 'string' ? target !== '' : target != null && typeof target === 'object' && typeof (target as UrlLoadOptions).url === 'string' && (target as UrlLoadOptions).url !== '';

/** Resolve `client.load({ url })` (checked by isLoadTarget) to one model version (ids go through the manifest in delivery). */
export function resolveLoadTarget(target: UrlLoadOptions): LoadTarget {
  const { url, id = idFromUrl(url), version = 'direct', inputs, outputs, allowNonFinite } = target;
  return { id, version, variant: 'direct', url, inputs, outputs, allowNonFinite };
}
