// `inferscope quantize <model.json> --dtype uint8|uint16|float16 --out <dir> [--eval <file>]`
import { resolve, dirname } from 'node:path';
import type { io as tfio } from '@tensorflow/tfjs-core';
import { InferScopeError } from '../sdk/errors.js';
import { type Command, formatBytes, oneOfFlag, parseFlags, requireFlag, UsageError } from './command.js';
import { DEFAULT_SHARD_BYTES, readModelFolder, weightByteLength, writeModelFolder, type ModelFolder, type WeightGroupData } from './model-files.js';
import { outlierRatio, quantizeTensor, widenFloat16, type QuantizeDtype } from './quantize-weights.js';

const DTYPES = ['uint8', 'uint16', 'float16'] as const;

const help = `Usage: inferscope quantize <model.json> --dtype uint8|uint16|float16 --out <dir> [options]

Writes a quantized copy of a TF.js model (layers-model or graph-model) exactly as
tfjs-converter's --quantize_uint8 / --quantize_uint16 / --quantize_float16 would: each
float32 weight gets a weightsManifest "quantization" entry ({dtype, min, scale} with the
range nudged so 0 stays exact, or {dtype: "float16"}); int32, bool and string weights are
copied unchanged. Float16 sources (common for third-party models) are widened to float32
first, which is exact. A tensor whose range is dominated by a few outliers (one uint8 step
larger than a typical weight) is named in a warning. Prints the sizes before and after.

Options:
  --dtype <d>          uint8 (4x smaller), uint16 (2x) or float16 (2x)      (required)
  --out <dir>          output folder for model.json + shards               (required)
  --keep-outliers      keep outlier-dominated tensors at float16 instead of uint8/uint16
  --eval <file>        samples (JSON samples file or CSV): report the largest output
                       difference after quantizing, and accuracy before and after when
                       every sample has a label
  --shard-bytes <n>    maximum shard size in bytes (default ${DEFAULT_SHARD_BYTES}, as tfjs-converter)
  --backend <b>        tfjs backend for --eval: wasm (default) or cpu
  -h, --help           show this help

Example:
  inferscope quantize models/digits/1.0.0/float32/model.json --dtype uint8 \\
    --out models/digits/1.0.0/uint8 --eval models/digits/samples.json`;

export interface Outlier { name: string; ratio: number; min: number; max: number; typical: number; step: number }

/** Quantizes every float32 (or float16, widened) weight of a read model folder. */
export function quantizeGroups(folder: ModelFolder, dtype: QuantizeDtype, { keepOutliers = false } = {}): { groups: WeightGroupData[]; quantized: number; widened: number; kept: string[]; outliers: Outlier[] } {
  let quantized = 0;
  let widened = 0;
  const kept: string[] = [];
  const outliers: Outlier[] = [];
  const groups = folder.groups.map((g) => {
    const entries: tfio.WeightsManifestEntry[] = [];
    const parts: Uint8Array[] = [];
    let offset = 0;
    for (const w of g.weights) {
      const len = weightByteLength(w, g.data, offset);
      const bytes = g.data.subarray(offset, offset + len);
      offset += len;
      if (w.quantization && w.quantization.dtype !== 'float16') {
        throw new InferScopeError('MODEL_INVALID', `${folder.path}: weight "${w.name}" is already quantized (${w.quantization.dtype}); quantize the float32 or float16 model instead`);
      }
      if (w.dtype !== 'float32') {
        kept.push(`${w.name} (${w.dtype})`);
        entries.push(w);
        parts.push(bytes);
        continue;
      }
      const values = w.quantization ? (widened++, widenFloat16(bytes)) : new Float32Array(bytes.slice().buffer);
      const plain = { name: w.name, shape: w.shape, dtype: w.dtype };
      const o = dtype === 'float16' ? null : outlierRatio(values, dtype);
      if (o) outliers.push({ name: w.name, ...o });
      const q = quantizeTensor(plain, values, o && keepOutliers ? 'float16' : dtype);
      entries.push(q.entry);
      parts.push(q.bytes);
      quantized++;
    }
    const data = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
    let at = 0;
    for (const p of parts) {
      data.set(p, at);
      at += p.byteLength;
    }
    return { weights: entries, data };
  });
  return { groups, quantized, widened, kept, outliers };
}

export const quantizeCommand: Command = {
  name: 'quantize',
  summary: 'write a uint8 / uint16 / float16 copy of a TF.js model',
  help,
  async run(argv, io) {
    const { values, positionals } = parseFlags(argv, {
      dtype: { type: 'string' },
      out: { type: 'string' },
      eval: { type: 'string' },
      'shard-bytes': { type: 'string' },
      backend: { type: 'string' },
      'keep-outliers': { type: 'boolean' },
    });
    if (values.help) return io.out(help + '\n'), 0;
    if (positionals.length !== 1) throw new UsageError('expected exactly one <model.json>');
    const dtype = oneOfFlag(values.dtype as string | undefined, '--dtype', DTYPES);
    const out = resolve(requireFlag(values.out, '--out'));
    const backend = oneOfFlag(values.backend as string | undefined, '--backend', ['wasm', 'cpu'] as const, 'wasm');
    const shardBytes = values['shard-bytes'] === undefined ? DEFAULT_SHARD_BYTES : Number(values['shard-bytes']);
    if (!Number.isInteger(shardBytes) || shardBytes < 1) throw new UsageError(`--shard-bytes must be a positive integer, got "${values['shard-bytes']}"`);

    const source = await readModelFolder(positionals[0]!);
    if (dirname(source.path) === out) throw new UsageError(`--out ${out} is the source model's own folder; choose another folder`);
    const keepOutliers = values['keep-outliers'] === true;
    const { groups, quantized, widened, kept, outliers } = quantizeGroups(source, dtype, { keepOutliers });
    const from = widened === 0 ? 'float32' : widened === quantized ? 'float16' : 'float32/float16';
    // Evaluate the source before writing anything, so a bad --eval file leaves no output.
    const evaluate = values.eval ? (await import('./evaluate.js')).evaluateModel : undefined;
    const before = evaluate ? await evaluate(source.path, values.eval as string, { backend }) : undefined;

    const json = { ...source.json, format: source.format };
    const written = await writeModelFolder(out, json, groups, { shardBytes });
    const after = await readModelFolder(resolve(out, 'model.json'));
    const sizeOf = (f: ModelFolder) => f.groups.reduce((n, g) => n + g.data.byteLength, 0);
    const [wb, wa] = [sizeOf(source), sizeOf(after)];
    const { statSync } = await import('node:fs');
    const [tb, ta] = [wb + statSync(source.path).size, wa + statSync(after.path).size];
    io.out(`${source.format}: ${quantized} ${from} weight tensor(s) -> ${dtype}` + (widened ? ` (${widened} float16 widened to float32 first, exactly)` : '') + (kept.length ? `; kept as is: ${kept.join(', ')}` : '') + '\n');
    const n = (v: number) => String(+v.toPrecision(3));
    for (const o of outliers) {
      io.err(`warning: "${o.name}" spans ${n(o.min)}..${n(o.max)} while its typical |weight| is ${n(o.typical)}: one ${dtype} step (${n(o.step)}) is ${Math.round(o.ratio)}x a typical weight; ` +
        (keepOutliers ? 'kept at float16 (--keep-outliers)\n' : 'pass --keep-outliers to keep such tensors at float16\n'));
    }
    io.out(`weights  ${formatBytes(wb).padStart(10)} -> ${formatBytes(wa).padStart(10)}  (${(wa / wb).toFixed(3)}x)\n`);
    io.out(`total    ${formatBytes(tb).padStart(10)} -> ${formatBytes(ta).padStart(10)}  (${(ta / tb).toFixed(3)}x, model.json included)\n`);
    io.out(`wrote ${written.length} file(s) to ${out}: ${written.join(', ')}\n`);
    if (evaluate && before) {
      const afterAcc = await evaluate(after.path, values.eval as string, { backend });
      const pts = (afterAcc.accuracy - before.accuracy) * 100;
      if (!Number.isNaN(before.accuracy)) io.out(`accuracy on ${before.n} samples: ${from} ${(before.accuracy * 100).toFixed(2)}% -> ${dtype} ${(afterAcc.accuracy * 100).toFixed(2)}% (${pts >= 0 ? '+' : ''}${pts.toFixed(2)} points)\n`);
      io.out(`max |output difference| vs ${from} on ${before.n} samples: ${afterAcc.maxAbsDiff(before).toExponential(2)}\n`);
    }
    return 0;
  },
};
