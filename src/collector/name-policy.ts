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
import { dict, type BatchNames, type Dict } from './aggregate.js';

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

/** One batch's names (aggregate.ts batchRows calls it while building rows), and what it folded. */
export interface BatchNamer extends BatchNames {
  /** Total folded per kind over the batch (for /metrics); undefined when nothing folded. */
  foldedTotal(): Dict<number> | undefined;
}

export interface NamePolicy {
  /** Reload the manifest's names (called at start and then at most every `refreshMs`). */
  refresh(): Promise<void>;
  /** The name mapping for one (already validated) batch of `app`; use it for that batch only. */
  batchNames(app: string): BatchNamer;
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

  // The stored name: `name` itself, or "other" ("OTHER") when it folds; exactly then it differs.
  function admit(app: string, model: string, kind: NameKind, name: string): string {
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
    return other;
  }

  function reasonCode(app: string, model: string, reason: string): string {
    const lead = leadCode(reason);
    return lead === undefined ? reasonShape(reason) : admit(app, model, 'code', lead);
  }

  const rules: Rules = { admit };
  function batchNames(app: string): BatchNamer {
    if (now() - loadedAt > refreshMs) void refresh();
    return new OneBatch(rules, app);
  }

  return { refresh, batchNames, reasonCode };
}

/** A reason's leading CODE ("INTEGRITY: …"), if it has one that may be stored. */
function leadCode(reason: string): string | undefined {
  const lead = /^([A-Z][A-Z0-9_]{0,47})(?::|$)/.exec(reason);
  return lead && CODE_RE.test(lead[1]!) && !personalShape(lead[1]!) ? lead[1] : undefined;
}

/** A reason without a leading code, as one of REASONS by its words, else OTHER. */
function reasonShape(reason: string): string {
  for (const [re, code] of REASONS) if (re.test(reason)) return code;
  return OTHER_CODE;
}

interface Rules { admit(app: string, model: string, kind: NameKind, name: string): string }

// One batch's names. A class, not an object of closures: ingest makes one per batch, and its
// methods are shared (under tsx each closure made would also cost a __name() call). Folded
// counts are made only when something folds (most batches: never).
class OneBatch implements BatchNamer {
  private byModel: Map<string, Dict<number>> | undefined;
  private total: Dict<number> | undefined;
  constructor(private readonly rules: Rules, private readonly app: string) {}

  model(name: string): string {
    const stored = this.rules.admit(this.app, '', 'model', name);
    if (stored !== name) this.fold(stored, 'model');
    return stored;
  }

  name(model: string, kind: Exclude<NameKind, 'model'>, name: string): string {
    const stored = this.rules.admit(this.app, model, kind, name);
    if (stored !== name) this.fold(model, kind);
    return stored;
  }

  reason(model: string, reason: string): string {
    const lead = leadCode(reason);
    return lead === undefined ? reasonShape(reason) : this.name(model, 'code', lead);
  }

  browser(name: string): string { return BROWSERS.has(name) ? name : OTHER; }
  os(name: string): string { return OSES.has(name) ? name : OTHER; }
  folded(model: string): Dict<number> | undefined { return this.byModel?.get(model); }
  foldedTotal(): Dict<number> | undefined { return this.total; }

  private fold(model: string, kind: NameKind): void {
    let f = (this.byModel ??= new Map<string, Dict<number>>()).get(model);
    if (!f) this.byModel.set(model, (f = dict<number>()));
    f[kind] = (f[kind] ?? 0) + 1;
    this.total ??= dict<number>();
    this.total[kind] = (this.total[kind] ?? 0) + 1;
  }
}
