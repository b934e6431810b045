// Which client-chosen names the collector stores. The ingest endpoint is public, so every
// name in a batch is untrusted text that would become a database key and a /metrics label:
// - a name the collector's manifest lists (model ids, versions, output labels, baseline and
//   input feature names, importance names) is kept as sent;
// - any other name is kept only while it passes name-rules.ts (no e-mail, URL, IP or long
//   digit run) and fewer than CAPS[kind] such names were admitted for that model;
// - everything else folds into "other" ("OTHER" for codes) and is counted as folded, so a
//   client inventing names costs a bounded number of keys, and free text is not stored;
// - free-text reasons (backend fallbacks, candidate fallbacks) become codes.
// Admitted names are remembered per collector process (in memory): replicas and restarts
// may each admit their own first names, which still bounds every row and label set.
import type { Manifest } from '../protocol/manifest-types.js';
import { CODE_RE, isStorableName, personalShape, type NameKind as RuleKind } from '../protocol/name-rules.js';
import type { Batch, ConfusionCell, ModelAggregate } from '../protocol/wire-types.js';
import { dict, type Dict } from './aggregate.js';

export type NameKind = 'model' | 'version' | 'feature' | 'class' | 'importance' | 'code';

/** Names beyond the manifest admitted per model (per app for model ids), per collector process. */
export const NAME_CAPS: Readonly<Record<NameKind, number>> = Object.freeze({ model: 32, version: 16, feature: 64, class: 64, importance: 64, code: 32 });
export const OTHER = 'other';
export const OTHER_CODE = 'OTHER';

const RULE: Record<NameKind, RuleKind> = { model: 'id', version: 'version', feature: 'label', class: 'label', importance: 'label', code: 'code' };
const BROWSERS = new Set(['chrome', 'firefox', 'safari', 'edge', 'node', 'other']);
const OSES = new Set(['windows', 'macos', 'linux', 'android', 'ios', 'chromeos', 'other']);
/** InferScopeError codes (src/sdk/errors.ts) and the reason codes below: always stored. */
const KNOWN_CODES = new Set([
  'MANIFEST_FETCH', 'MANIFEST_INVALID', 'MODEL_NOT_FOUND', 'MODEL_INVALID', 'NETWORK', 'INTEGRITY', 'ASSET_INVALID',
  'BACKEND_UNAVAILABLE', 'INPUT_SHAPE', 'INPUT_INVALID', 'PREDICT_FAILED', 'CACHE_UNAVAILABLE', 'QUOTA_EXCEEDED',
  'TELEMETRY', 'DISPOSED', 'TIMEOUT', 'ERROR',
  'SELF_TEST_FAILED', 'IMPORT_FAILED', 'BACKEND_REMOVED', 'UNAVAILABLE', 'INIT_FAILED', 'OUT_OF_MEMORY', 'CONTEXT_LOST',
]);
/** Versions the SDK sends without a manifest (direct loads). */
const SDK_VERSIONS = ['direct'];

/** Names a manifest lists, per model. */
export interface KnownNames { models: Set<string>; byModel: Map<string, Record<Exclude<NameKind, 'model'>, Set<string>>> }

export function knownNames(manifest: Manifest | null): KnownNames {
  const out: KnownNames = { models: new Set(), byModel: new Map() };
  if (!manifest) return out;
  for (const [id, model] of Object.entries(manifest.models)) {
    out.models.add(id);
    const k = { version: new Set(SDK_VERSIONS), feature: new Set<string>(), class: new Set<string>(), importance: new Set<string>(), code: new Set<string>() };
    for (const [version, v] of Object.entries(model.versions)) {
      k.version.add(version);
      for (const input of v.inputs ?? []) for (const f of input.features ?? []) { k.feature.add(f); k.importance.add(f); }
      for (const output of v.outputs ?? []) (output.labels ?? []).forEach((label, i) => { k.class.add(label); k.class.add(String(i)); });
      for (const f of v.baseline?.features ?? []) { k.feature.add(f.name); k.importance.add(f.name); }
      for (const label of v.baseline?.prediction.labels ?? []) k.class.add(label);
      for (const name of Object.keys(v.baseline?.importance ?? {})) k.importance.add(name);
    }
    out.byModel.set(id, k);
  }
  return out;
}

// Free-text reasons as the SDK writes them (backends.ts, self-test.ts, delivery.ts), by shape.
const REASONS: [RegExp, string][] = [
  [/timed out|timeout/i, 'TIMEOUT'],
  [/self-test|wrong:|expected/i, 'SELF_TEST_FAILED'],
  [/could not import|dynamically imported|import/i, 'IMPORT_FAILED'],
  [/was removed|removed from/i, 'BACKEND_REMOVED'],
  [/not available|unavailable|missing|no canvas|not supported|unsupported/i, 'UNAVAILABLE'],
  [/initiali[sz]ation failed|setBackend/i, 'INIT_FAILED'],
  [/out of memory|allocat/i, 'OUT_OF_MEMORY'],
  [/context lost|device (was )?lost|\blost\b/i, 'CONTEXT_LOST'],
];

export interface NormalizedBatch {
  batch: Batch;
  /** Per stored model name: names folded into "other", by kind. */
  folded: Map<string, Dict<number>>;
  /** Total folded per kind over the batch (for /metrics). */
  foldedTotal: Dict<number>;
}

export interface NamePolicy {
  /** Reload the manifest's names (called at start and then at most every `refreshMs`). */
  refresh(): Promise<void>;
  /** `batch` (already validated) with every name kept or folded, and the folded counts. */
  apply(app: string, batch: Batch): NormalizedBatch;
  /** A free-text reason as a code: a leading CODE ("INTEGRITY: …"), else one of REASONS, else OTHER. */
  reasonCode(app: string, model: string, reason: string): string;
}

export function createNamePolicy({ manifest, caps = NAME_CAPS, refreshMs = 60_000, now = Date.now }: {
  manifest: () => Promise<Manifest | null>;
  caps?: Readonly<Record<NameKind, number>>;
  refreshMs?: number;
  now?: () => number;
}): NamePolicy {
  let known = knownNames(null);
  let loadedAt = -Infinity;
  let loading: Promise<void> | null = null;
  const admitted = new Map<string, Set<string>>();

  const refresh = () => (loading ??= manifest()
    .then((m) => { known = knownNames(m); }, () => { /* keep the last names; reports say why the manifest failed */ })
    .finally(() => { loadedAt = now(); loading = null; }));

  function admit(app: string, model: string, kind: NameKind, name: string, fold: Dict<number>): string {
    const listed = kind === 'model' ? known.models.has(name) : kind === 'code' ? KNOWN_CODES.has(name) : known.byModel.get(model)?.[kind].has(name);
    if (listed) return name;
    const other = kind === 'code' ? OTHER_CODE : OTHER;
    if (name === other) return name;
    const key = `${app}\u0000${kind === 'model' ? '' : model}\u0000${kind}`;
    let set = admitted.get(key);
    if (set?.has(name)) return name;
    if (isStorableName(name, RULE[kind]) && (set?.size ?? 0) < caps[kind]) {
      if (!set) admitted.set(key, (set = new Set()));
      set.add(name);
      return name;
    }
    fold[kind] = (fold[kind] ?? 0) + 1;
    return other;
  }

  function reasonCode(app: string, model: string, reason: string, fold: Dict<number> = dict()): string {
    const lead = /^([A-Z][A-Z0-9_]{0,47})(?::|$)/.exec(reason);
    if (lead && CODE_RE.test(lead[1]!) && !personalShape(lead[1]!)) return admit(app, model, 'code', lead[1]!, fold);
    for (const [re, code] of REASONS) if (re.test(reason)) return code;
    return OTHER_CODE;
  }

  /** A count map with its keys admitted (folded keys summed into "other"). */
  function counts(app: string, model: string, kind: NameKind, from: Record<string, number>, fold: Dict<number>): Record<string, number> {
    const out = dict<number>();
    for (const k of Object.keys(from)) { const n = admit(app, model, kind, k, fold); out[n] = (out[n] ?? 0) + from[k]!; }
    return out;
  }

  function modelAggregate(app: string, m: ModelAggregate, foldOf: (model: string) => Dict<number>): ModelAggregate {
    const pre = dict<number>();
    const model = admit(app, '', 'model', m.model, pre);
    const fold = foldOf(model);
    for (const k of Object.keys(pre)) fold[k] = (fold[k] ?? 0) + pre[k]!;
    const out: ModelAggregate = {
      ...m, model, version: admit(app, model, 'version', m.version, fold),
      errors: counts(app, model, 'code', m.errors, fold), classes: counts(app, model, 'class', m.classes, fold),
    };
    if (m.features) {
      const f = dict<number[]>();
      for (const k of Object.keys(m.features)) {
        const n = admit(app, model, 'feature', k, fold);
        const bins = m.features[k]!;
        const cur = f[n];
        f[n] = cur ? Array.from({ length: Math.max(cur.length, bins.length) }, (_, i) => (cur[i] ?? 0) + (bins[i] ?? 0)) : bins;
      }
      out.features = f;
    }
    if (m.importance) {
      const imp = dict<{ sum: number; n: number }>();
      for (const k of Object.keys(m.importance)) {
        const n = admit(app, model, 'importance', k, fold);
        const cur = (imp[n] ??= { sum: 0, n: 0 });
        cur.sum += m.importance[k]!.sum;
        cur.n += m.importance[k]!.n;
      }
      out.importance = imp;
    }
    if (m.confusion) out.confusion = m.confusion.map(([p, a, c]): ConfusionCell => [admit(app, model, 'class', p, fold), admit(app, model, 'class', a, fold), c]);
    return out;
  }

  return {
    refresh,
    reasonCode: (app, model, reason) => reasonCode(app, model, reason),
    apply(app, batch) {
      if (now() - loadedAt > refreshMs) void refresh();
      const folded = new Map<string, Dict<number>>();
      const foldOf = (model: string) => { let f = folded.get(model); if (!f) folded.set(model, (f = dict())); return f; };
      const models = batch.models.map((m) => modelAggregate(app, m, foldOf));
      const loads = batch.loads.map((l) => {
        const pre = dict<number>();
        const model = admit(app, '', 'model', l.model, pre);
        const fold = foldOf(model);
        for (const k of Object.keys(pre)) fold[k] = (fold[k] ?? 0) + pre[k]!;
        const out = {
          ...l, model, version: admit(app, model, 'version', l.version, fold),
          fallbacks: l.fallbacks.map((f) => ({ backend: f.backend, reason: reasonCode(app, model, f.reason, fold) })),
        };
        if (l.error !== undefined) out.error = admit(app, model, 'code', l.error, fold);
        if (l.candidateFallback !== undefined) out.candidateFallback = reasonCode(app, model, l.candidateFallback, fold);
        return out;
      });
      const client = {
        ...batch.client,
        browser: BROWSERS.has(batch.client.browser) ? batch.client.browser : OTHER,
        os: OSES.has(batch.client.os) ? batch.client.os : OTHER,
      };
      const foldedTotal = dict<number>();
      for (const f of folded.values()) for (const k of Object.keys(f)) foldedTotal[k] = (foldedTotal[k] ?? 0) + f[k]!;
      for (const [model, f] of folded) if (Object.keys(f).length === 0) folded.delete(model);
      return { batch: { ...batch, client, models, loads }, folded, foldedTotal };
    },
  };
}
