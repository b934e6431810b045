// Palmer penguins from the `vega-datasets` package: 344 rows, 3 species; the 2 rows
// without measurements are dropped (rows missing only "Sex" are kept: the model does
// not read it). Body mass is converted to kilograms so all four features have
// magnitudes within ~10x of each other (see train-penguins.ts on why that matters).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { mulberry32, shuffledIndices } from './seeded.js';

export const FEATURES = ['beak_length_mm', 'beak_depth_mm', 'flipper_length_mm', 'body_mass_kg'];
export const SPECIES = ['Adelie', 'Chinstrap', 'Gentoo'];

export interface PenguinRow {
  beak_length_mm: number;
  beak_depth_mm: number;
  flipper_length_mm: number;
  body_mass_kg: number;
  label: string;
}

export function loadPenguins({ seed = 42, testFraction = 0.5 } = {}) {
  const require = createRequire(import.meta.url);
  // The package's "exports" hides data/, so resolve its folder through the main entry.
  const root = dirname(dirname(require.resolve('vega-datasets')));
  const raw = JSON.parse(readFileSync(join(root, 'data', 'penguins.json'), 'utf8')) as Record<string, string | number | null>[];
  const rows: PenguinRow[] = [];
  for (const r of raw) {
    const vals = [r['Beak Length (mm)'], r['Beak Depth (mm)'], r['Flipper Length (mm)'], r['Body Mass (g)']];
    if (vals.some((x) => typeof x !== 'number') || !SPECIES.includes(String(r.Species))) continue;
    const [bl, bd, fl, bm] = vals as number[];
    rows.push({ beak_length_mm: bl!, beak_depth_mm: bd!, flipper_length_mm: fl!, body_mass_kg: bm! / 1000, label: String(r.Species) });
  }
  const order = shuffledIndices(rows.length, mulberry32(seed));
  const nTest = Math.round(rows.length * testFraction);
  return { all: rows.length, dropped: raw.length - rows.length, test: order.slice(0, nTest).map((i) => rows[i]!), train: order.slice(nTest).map((i) => rows[i]!) };
}

export const toMatrix = (rows: PenguinRow[]) => Float32Array.from(rows.flatMap((r) => FEATURES.map((f) => r[f as keyof PenguinRow] as number)));
