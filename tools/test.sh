#!/usr/bin/env bash
# Every test: install, lint, type-check, then unit and integration tests with
# a throwaway PostgreSQL (tools/with-postgres.sh) beside the embedded PGlite,
# then the pack-and-consume test of the libs (tools/pack-test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false FORCE_COLOR=${FORCE_COLOR:-0}
start=$(date +%s)

bash tools/install.sh
# Browser and msmtp tests run for real here, never skipped (they skip only outside this script when the program is absent).
bash tools/ensure-system-tools.sh
export VEZA_REQUIRE_CHROMIUM=1 VEZA_REQUIRE_MSMTP=1

echo "== lint + type-check"
npx nx run-many -t lint typecheck --parallel=2 --outputStyle=static

echo "== unit and integration tests (PGlite + throwaway PostgreSQL)"
tools/with-postgres.sh npx nx run-many -t test --parallel=2 --outputStyle=static

echo "== pack and consume: the libs installed from their tarballs outside the workspace"
bash tools/pack-test.sh

echo "== all tests passed in $(( $(date +%s) - start ))s"
