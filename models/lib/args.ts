// Flags shared by the training scripts.
import { parseArgs } from 'node:util';

export interface TrainFlags {
  out: string;
  seed: number;
  epochs: number;
  backend: 'wasm' | 'cpu';
  values: Record<string, string | boolean | undefined>;
}

export function trainFlags(argv: string[], defaults: { out: string; epochs: number; seed?: number }, extra: Record<string, { type: 'string' | 'boolean' }> = {}): TrainFlags {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string' },
      seed: { type: 'string' },
      epochs: { type: 'string' },
      backend: { type: 'string' },
      ...extra,
    },
    strict: true,
  });
  const backend = (values.backend as string | undefined) ?? 'wasm';
  if (backend !== 'wasm' && backend !== 'cpu') throw new Error(`--backend must be wasm or cpu, got ${backend}`);
  return {
    out: (values.out as string | undefined) ?? defaults.out,
    seed: Number(values.seed ?? defaults.seed ?? 42),
    epochs: Number(values.epochs ?? defaults.epochs),
    backend,
    values: values as TrainFlags['values'],
  };
}
