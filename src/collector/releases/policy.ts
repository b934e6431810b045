// Release policy: how a candidate version walks through its rollout steps, and the checks
// (candidate against stable, same window) that must hold before each step. One policy per
// model + channel, from the collector config's "releases" section; anything a policy leaves
// out comes from DEFAULT_POLICY. Defaults follow the usual canary practice (Argo Rollouts,
// Flagger): small first steps, a minimum of traffic and of time per step, and a one-sided
// z-test at 0.5 % so a step repeated every minute rarely rolls back a good candidate by chance.
import { CollectorError } from '../errors.js';

export interface CheckThresholds {
  /** One-sided z-score above which "candidate worse than stable" counts as significant. */
  zCritical: number;
  /** Error rate: fail when significantly higher by more than `maxIncrease` (absolute). */
  errors: { minSamples: number; maxIncrease: number; required: boolean };
  /** Failed loads + loads that fell back from the candidate to stable. */
  loads: { minSamples: number; maxIncrease: number; required: boolean };
  /** Latency ratio candidate / stable per backend (both need `minSamples` predictions there). */
  latency: { minSamples: number; maxP50Ratio: number; maxP95Ratio: number; required: boolean };
  /** Accuracy from feedback labels: fail when significantly lower by more than `maxDrop`. */
  accuracy: { minLabels: number; maxDrop: number; required: boolean };
  /** Jensen–Shannon distance between candidate's and stable's predicted-class shares. */
  shift: { minSamples: number; maxJs: number; required: boolean };
  /** Input drift vs the training baseline: candidate's max PSI minus stable's. */
  drift: { maxPsiIncrease: number; required: boolean };
}

/** Offline gate (`inferscope release check`), run in CI before a candidate is published. */
export interface GateThresholds {
  /** Accuracy on the labelled samples may fall at most this much below stable's (absolute). */
  maxAccuracyDrop: number;
  /** Share of samples where candidate and stable predict the same class. */
  minAgreement: number;
  /** Candidate weight bytes / stable weight bytes. */
  maxBytesRatio: number;
  /** Candidate median predict time / stable's, per backend. */
  maxLatencyRatio: number;
}

export interface ReleasePolicy {
  /**
   * "auto": the collector starts managing a channel's candidate as soon as the base manifest names
   * one. "admin": the candidate is served at 0 % until an admin starts the release
   * (POST /v1/releases/:model/:channel/start), as the demo page's Publish button does.
   */
  start: 'auto' | 'admin';
  /** Candidate percentages, ascending; reaching 100 is promotion. */
  steps: number[];
  /** Candidate predictions needed within a step before it may advance. */
  minPredictions: number;
  /** Time a step must last before it may advance (ms). */
  minStepMs: number;
  checks: CheckThresholds;
  gate: GateThresholds;
}

export const DEFAULT_POLICY: ReleasePolicy = Object.freeze({
  start: 'auto',
  steps: [1, 5, 25, 50, 100],
  minPredictions: 500,
  minStepMs: 10 * 60_000,
  checks: {
    zCritical: 2.58,
    errors: { minSamples: 200, maxIncrease: 0.005, required: true },
    loads: { minSamples: 20, maxIncrease: 0.05, required: false },
    latency: { minSamples: 100, maxP50Ratio: 1.25, maxP95Ratio: 1.5, required: true },
    accuracy: { minLabels: 100, maxDrop: 0.02, required: false },
    shift: { minSamples: 200, maxJs: 0.15, required: true },
    drift: { maxPsiIncrease: 0.1, required: false },
  },
  gate: { maxAccuracyDrop: 0.005, minAgreement: 0.95, maxBytesRatio: 1.1, maxLatencyRatio: 2 },
}) as ReleasePolicy;

export interface ReleasesConfig {
  /** How often each replica evaluates running releases (ms). */
  intervalMs: number;
  /** Cache-Control max-age of GET /v1/manifest (seconds). */
  manifestMaxAgeSeconds: number;
  /** Base URL that relative model URLs of the live manifest resolve against (the model host). */
  modelBaseUrl?: string;
  defaults: ReleasePolicy;
  /** "model/channel" -> policy (already merged with the defaults). */
  policies: Map<string, ReleasePolicy>;
}

export function policyFor(cfg: ReleasesConfig, model: string, channel: string): ReleasePolicy {
  return cfg.policies.get(`${model}/${channel}`) ?? cfg.defaults;
}

/** Percent a candidate is served at before its release has a stored state: nothing until an admin starts it. */
export const unstartedPercent = (p: ReleasePolicy): number => (p.start === 'admin' ? 0 : p.steps[0]!);

function fail(field: string, message: string): never {
  throw new CollectorError('CONFIG', 500, `collector config: ${field} ${message}`, { field });
}

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

function known(obj: Record<string, unknown>, keys: string[], path: string): void {
  for (const k of Object.keys(obj)) if (!keys.includes(k)) fail(`${path}.${k}`, `is not a known field (known: ${keys.join(', ')})`);
}

function num(v: unknown, path: string, ok: (n: number) => boolean, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) fail(path, `must be ${what}, got ${JSON.stringify(v)?.slice(0, 40)}`);
  return v;
}

/** Overlay a partial policy from the config on `base`, validating every field it names. */
export function mergePolicy(base: ReleasePolicy, json: unknown, path: string): ReleasePolicy {
  if (!isObj(json)) fail(path, 'must be an object like {"steps": [1, 5, 25, 50, 100], "minPredictions": 500}');
  known(json, ['start', 'steps', 'minPredictions', 'minStepSeconds', 'checks', 'gate'], path);
  const out: ReleasePolicy = { ...base, checks: structuredClone(base.checks), gate: { ...base.gate } };
  if (json.start !== undefined) {
    if (json.start !== 'auto' && json.start !== 'admin') fail(`${path}.start`, `must be "auto" or "admin", got ${JSON.stringify(json.start)?.slice(0, 40)}`);
    out.start = json.start;
  }
  if (json.steps !== undefined) {
    const s = json.steps;
    if (!Array.isArray(s) || s.length < 2 || s.length > 20 || (s[0] as number) >= 100 || s.some((x, i) => typeof x !== 'number' || !(x > 0 && x <= 100) || (i > 0 && x <= (s[i - 1] as number))) || s[s.length - 1] !== 100) {
      fail(`${path}.steps`, 'must be at least two ascending percentages in (0, 100] ending with 100, like [1, 5, 25, 50, 100]');
    }
    out.steps = s as number[];
  }
  if (json.minPredictions !== undefined) out.minPredictions = num(json.minPredictions, `${path}.minPredictions`, (n) => Number.isInteger(n) && n >= 0, 'an integer >= 0');
  if (json.minStepSeconds !== undefined) out.minStepMs = num(json.minStepSeconds, `${path}.minStepSeconds`, (n) => n >= 0, 'a number of seconds >= 0') * 1000;
  if (json.checks !== undefined) {
    const c = json.checks;
    if (!isObj(c)) fail(`${path}.checks`, 'must be an object');
    known(c, Object.keys(base.checks), `${path}.checks`);
    if (c.zCritical !== undefined) out.checks.zCritical = num(c.zCritical, `${path}.checks.zCritical`, (n) => n > 0, 'a number > 0');
    for (const name of ['errors', 'loads', 'latency', 'accuracy', 'shift', 'drift'] as const) {
      const v = c[name];
      if (v === undefined) continue;
      const p = `${path}.checks.${name}`;
      if (!isObj(v)) fail(p, 'must be an object');
      const target = out.checks[name] as unknown as Record<string, number | boolean>;
      known(v, Object.keys(target), p);
      for (const [k, x] of Object.entries(v)) {
        if (k === 'required') { if (typeof x !== 'boolean') fail(`${p}.required`, 'must be true or false'); target[k] = x; } else target[k] = num(x, `${p}.${k}`, (n) => n >= 0, 'a number >= 0');
      }
    }
  }
  if (json.gate !== undefined) {
    const g = json.gate;
    if (!isObj(g)) fail(`${path}.gate`, 'must be an object like {"maxAccuracyDrop": 0.005, "minAgreement": 0.95}');
    known(g, Object.keys(base.gate), `${path}.gate`);
    for (const [k, x] of Object.entries(g)) out.gate[k as keyof GateThresholds] = num(x, `${path}.gate.${k}`, (n) => n >= 0, 'a number >= 0');
  }
  return out;
}

/** Validate the config's "releases" section. */
export function validateReleases(json: unknown): ReleasesConfig {
  const path = 'releases';
  if (!isObj(json)) fail(path, 'must be an object like {"intervalSeconds": 60, "defaults": {...}, "policies": {"digits/stable": {...}}}');
  known(json, ['intervalSeconds', 'manifestMaxAgeSeconds', 'modelBaseUrl', 'defaults', 'policies'], path);
  const intervalMs = json.intervalSeconds === undefined ? 60_000 : num(json.intervalSeconds, `${path}.intervalSeconds`, (n) => n >= 0.05, 'a number of seconds >= 0.05') * 1000;
  const manifestMaxAgeSeconds = json.manifestMaxAgeSeconds === undefined ? 60 : num(json.manifestMaxAgeSeconds, `${path}.manifestMaxAgeSeconds`, (n) => Number.isInteger(n) && n >= 0, 'an integer >= 0');
  let modelBaseUrl: string | undefined;
  if (json.modelBaseUrl !== undefined) {
    if (typeof json.modelBaseUrl !== 'string' || !/^https?:\/\/\S+\/$/.test(json.modelBaseUrl)) fail(`${path}.modelBaseUrl`, 'must be an http(s) URL ending with "/", like "https://cdn.example/models/"');
    modelBaseUrl = json.modelBaseUrl;
  }
  const defaults = json.defaults === undefined ? DEFAULT_POLICY : mergePolicy(DEFAULT_POLICY, json.defaults, `${path}.defaults`);
  const policies = new Map<string, ReleasePolicy>();
  if (json.policies !== undefined) {
    if (!isObj(json.policies)) fail(`${path}.policies`, 'must be an object keyed by "model/channel"');
    for (const [k, v] of Object.entries(json.policies)) {
      if (!/^[^/\s]{1,128}\/[^/\s]{1,64}$/.test(k)) fail(`${path}.policies`, `key ${JSON.stringify(k.slice(0, 40))} must be "model/channel", like "digits/stable"`);
      policies.set(k, mergePolicy(defaults, v, `${path}.policies["${k}"]`));
    }
  }
  return { intervalMs, manifestMaxAgeSeconds, ...(modelBaseUrl ? { modelBaseUrl } : {}), defaults, policies };
}
