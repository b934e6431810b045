// `inferscope release check`: the offline release gate, run in CI before a candidate is
// published. Compares the candidate with the version it would replace on the version's
// labelled samples (accuracy, agreement), weight bytes, and predict time on cpu and wasm in
// Node, against the policy's gate thresholds; prints a table and exits 1 naming each line
// that missed its threshold.
import { dirname, join, resolve } from 'node:path';
import { InferScopeError } from '../sdk/errors.js';
import type { GateThresholds } from '../collector/releases/policy.js';
import { type Command, parseFlags, requireFlag } from './command.js';
import { readManifest } from './manifest-file.js';

const help = `Usage: inferscope release check --manifest <file> --model <id> --candidate <version> [options]

Compares a candidate version with the one it would replace (default: the "stable" channel's
version) and exits 1 when a gate threshold of the release policy is missed.

Options:
  --manifest <file>     the manifest listing both versions (required)
  --model <id>          model id (required)
  --candidate <ver>     candidate version key in the manifest (required)
  --against <name>      channel or version to compare with (default stable)
  --samples <file>      labelled samples (default <manifest dir>/<model>/samples.json)
  --config <file>       collector config whose releases policy for <model>/<channel> holds the gate
                        (default gate: accuracy drop <= 0.5 points, agreement >= 95 %,
                        weight bytes <= 1.1x, predict time <= 2x per backend)
  -h, --help            show this help`;

export interface GateLine { check: string; candidate: string; against: string; limit: string; pass: boolean }

const pct = (x: number) => `${(x * 100).toFixed(2)} %`;

function table(rows: GateLine[], head: [string, string]): string {
  const cells = [['check', head[0], head[1], 'limit', 'result'], ...rows.map((r) => [r.check, r.candidate, r.against, r.limit, r.pass ? 'pass' : 'FAIL'])];
  const w = cells[0]!.map((_, i) => Math.max(...cells.map((c) => c[i]!.length)));
  return cells.map((c) => c.map((x, i) => x.padEnd(w[i]!)).join('  ').trimEnd()).join('\n');
}

export const releaseCheckCommand: Command = {
  name: 'release check',
  summary: 'gate a candidate version against stable (accuracy, agreement, bytes, latency)',
  help,
  async run(argv, io) {
    const { values: v } = parseFlags(argv, {
      manifest: { type: 'string' }, model: { type: 'string' }, candidate: { type: 'string' }, against: { type: 'string' }, samples: { type: 'string' }, config: { type: 'string' },
    });
    if (v.help) return io.out(help + '\n'), 0;
    const manifestFile = requireFlag(v.manifest, '--manifest');
    const id = requireFlag(v.model, '--model');
    const candidate = requireFlag(v.candidate, '--candidate');
    const against = v.against ?? 'stable';
    const m = await readManifest(manifestFile);
    const model = m.models[id];
    if (!model) throw new InferScopeError('MODEL_NOT_FOUND', `${manifestFile}: no model "${id}"; it lists: ${Object.keys(m.models).join(', ') || 'none'}`);
    const cand = model.versions[candidate];
    if (!cand) throw new InferScopeError('MODEL_NOT_FOUND', `${manifestFile}: ${id} has no version "${candidate}"; versions: ${Object.keys(model.versions).join(', ')}`);
    const channel = model.channels[against] ? against : 'stable';
    const stableVersion = model.channels[against]?.version ?? (model.versions[against] ? against : undefined);
    if (!stableVersion || !model.versions[stableVersion]) throw new InferScopeError('MODEL_NOT_FOUND', `${manifestFile}: --against "${against}" is neither a channel nor a version of ${id}`);
    const stable = model.versions[stableVersion]!;

    const { DEFAULT_POLICY, policyFor } = await import('../collector/releases/policy.js');
    let gate: GateThresholds = DEFAULT_POLICY.gate;
    let policyZ = DEFAULT_POLICY.checks.zCritical;
    if (v.config) {
      const { loadConfigFile } = await import('../collector/config.js');
      const cfg = loadConfigFile(v.config, { ...process.env, INFERSCOPE_ADMIN_TOKEN: process.env.INFERSCOPE_ADMIN_TOKEN ?? 'unused-by-release-check' });
      if (cfg.releases) ({ gate, checks: { zCritical: policyZ } } = policyFor(cfg.releases, id, channel));
    }
    const dir = dirname(resolve(manifestFile));
    const samples = v.samples ?? join(dir, id, 'samples.json');
    const { measureVersion } = await import('./release-measure.js');
    const path = (url: string) => { if (/^[a-z]+:/i.test(url)) throw new InferScopeError('MANIFEST_INVALID', `${url}: release check reads model files from disk; give a manifest with relative URLs`); return join(dir, url); };
    io.err(`measuring ${id}@${stableVersion} and ${id}@${candidate} on ${samples} (cpu, wasm)\n`);
    const s = await measureVersion(path(stable.url), samples);
    const c = await measureVersion(path(cand.url), samples);
    let agree = 0;
    let onlyStable = 0; // samples stable gets right and the candidate gets wrong
    let onlyCandidate = 0;
    for (let i = 0; i < c.n; i++) {
      if (c.predicted[i] === s.predicted[i]) agree++;
      if (s.correct[i] && !c.correct[i]) onlyStable++;
      if (c.correct[i] && !s.correct[i]) onlyCandidate++;
    }
    // McNemar's test on the paired samples: a drop of a few samples out of a few hundred is noise.
    const z = onlyStable + onlyCandidate > 0 ? (onlyStable - onlyCandidate) / Math.sqrt(onlyStable + onlyCandidate) : 0;
    const zMax = policyZ;
    const agreement = c.n ? agree / c.n : 0;
    const bytes = (files: { bytes: number }[]) => files.reduce((a, f) => a + f.bytes, 0);
    const [cb, sb] = [bytes(cand.files), bytes(stable.files)];
    const rows: GateLine[] = [
      {
        check: `accuracy (${c.n} samples)`, candidate: pct(c.accuracy), against: pct(s.accuracy),
        limit: `drop <= ${(gate.maxAccuracyDrop * 100).toFixed(2)} points or McNemar z <= ${zMax} (z ${z.toFixed(2)})`,
        pass: c.accuracy >= s.accuracy - gate.maxAccuracyDrop - 1e-12 || z <= zMax,
      },
      { check: 'agreement with stable', candidate: pct(agreement), against: '', limit: `>= ${pct(gate.minAgreement)}`, pass: agreement >= gate.minAgreement },
      { check: 'weight bytes', candidate: cb.toLocaleString('en'), against: sb.toLocaleString('en'), limit: `<= ${gate.maxBytesRatio}x`, pass: cb <= sb * gate.maxBytesRatio },
      ...(['cpu', 'wasm'] as const).map((b) => {
        const [x, y] = [c.latencyMs[b]!, s.latencyMs[b]!];
        return { check: `predict ms, ${b} (median)`, candidate: x.toFixed(2), against: y.toFixed(2), limit: `<= ${gate.maxLatencyRatio}x`, pass: x <= y * gate.maxLatencyRatio };
      }),
    ];
    io.out(table(rows, [`${id}@${candidate}`, `${id}@${stableVersion}`]) + '\n');
    const failed = rows.filter((r) => !r.pass);
    for (const f of failed) io.err(`release check failed: ${f.check}: ${f.candidate}${f.against ? ` vs ${f.against}` : ''} (limit ${f.limit})\n`);
    return failed.length ? 1 : 0;
  },
};
