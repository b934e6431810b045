// What a model.json must hold before any of it is used: the one check every load path runs
// (parseModelJson, for manifest and direct URLs alike). tfjs reads these fields without checking
// them, so a damaged or hostile file otherwise surfaces far away: NaN byte counts reported as
// INTEGRITY, "Cannot read properties of undefined", or BACKEND_UNAVAILABLE for a file that no
// backend could ever run. Names from the file are untrusted: only short excerpts are echoed.

const DTYPES = ['float32', 'int32', 'bool', 'string', 'complex64'];
const QUANT = ['uint8', 'uint16', 'float16'];
const say = (v: unknown) => String(JSON.stringify(v) ?? v).slice(0, 40);
const isObj = (v: unknown): v is Record<string, unknown> => v != null && typeof v === 'object' && !Array.isArray(v);
// More elements than this in one weight (2^31: past every typed array tfjs can make) is a lie.
const MAX_ELEMENTS = 2 ** 31;

/** Why `json` is not a usable TF.js model.json, or '' when it is. */
export function modelJsonProblem(json: unknown): string {
  if (!isObj(json)) return 'is not a JSON object';
  const t = json.modelTopology;
  if (!isObj(t) || !(Array.isArray(t.node) || isObj(t.config) || isObj(t.model_config))) {
    return 'has no modelTopology with graph nodes or a layers config';
  }
  // A graph without nodes, or without a Placeholder, loads as a model that takes no input and
  // refuses every predict ("the model takes 0 inputs"): the file is what is wrong, so say so here.
  if (Array.isArray(t.node)) {
    const bad = (t.node as unknown[]).find((n) => !isObj(n) || typeof n.name !== 'string' || !n.name || typeof n.op !== 'string' || !n.op);
    if (bad !== undefined) return `has graph node ${say(bad)}; each node needs a name and an op`;
    if (!(t.node as { op: string }[]).some((n) => n.op === 'Placeholder')) return 'has a graph with no input (no Placeholder node)';
  }
  const wm = json.weightsManifest;
  if (!Array.isArray(wm)) return 'has no weightsManifest list';
  const names = new Set<string>();
  for (const [i, g] of wm.entries()) {
    if (!isObj(g) || !Array.isArray(g.paths) || !Array.isArray(g.weights)) return `weightsManifest[${i}] needs a paths list and a weights list`;
    if (g.paths.some((p) => typeof p !== 'string' || !p)) return `weightsManifest[${i}].paths holds ${say(g.paths.find((p) => typeof p !== 'string' || !p))}, not a file name`;
    for (const w of g.weights as unknown[]) {
      if (!isObj(w) || typeof w.name !== 'string' || !w.name) return `weightsManifest[${i}] has a weight without a name`;
      const at = `weight ${say(w.name)}`;
      if (names.has(w.name)) return `${at} is listed twice`;
      names.add(w.name);
      const s = w.shape;
      if (!Array.isArray(s) || s.some((d) => !Number.isInteger(d) || d < 0)) return `${at} has shape ${say(s)}; each dimension must be a whole number >= 0`;
      if ((s as number[]).reduce((a, b) => a * b, 1) > MAX_ELEMENTS) return `${at} has shape ${say(s)}, more values than any browser can hold`;
      if (!DTYPES.includes(w.dtype as string)) return `${at} has dtype ${say(w.dtype)}; expected one of ${DTYPES.join(', ')}`;
      const q = w.quantization;
      if (q === undefined) continue;
      if (!isObj(q) || !QUANT.includes(q.dtype as string)) return `${at} has quantization ${say(q)}; its dtype must be one of ${QUANT.join(', ')}`;
      if (q.dtype !== 'float16' && !((q.scale as number) > 0 && Number.isFinite(q.scale) && Number.isFinite(q.min))) return `${at} is quantized to ${q.dtype} without a scale > 0 and a finite min`;
    }
  }
  // A graph's constants are its weights, by node name: one the manifest does not list would load
  // and then fail every prediction ("Missing the following inputs").
  const orphan = Array.isArray(t.node) && (t.node as { op?: unknown; name?: unknown }[]).find((n) => n?.op === 'Const' && !names.has(n.name as string));
  if (orphan) return `has graph constant ${say(orphan.name)} with no weight of that name in weightsManifest`;
  return '';
}

