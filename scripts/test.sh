#!/usr/bin/env bash
# The whole test suite: system packages, type check, Node tier, real-Chromium tier.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-system.sh
npx tsc -p tsconfig.json --noEmit
npm run build
npx vitest run --config vitest.config.ts "$@"
npx vitest run --config vitest.browser.config.ts
