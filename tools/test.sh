#!/usr/bin/env bash
# Every test: install, lint, type-check, then unit and integration tests with
# a throwaway PostgreSQL (tools/with-postgres.sh) beside the embedded PGlite,
# then the pack-and-consume test of the libs (tools/pack-test.sh).
#
# Two lanes at once (docs/README.md, "Testing", has the times): the tests spend
# much of their time waiting (child processes, deadlines, servers), which the
# CPU-bound lint, type-check and pack test fill.
#   lane 1: one jest run of every project (the root jest.config.cjs), three
#           workers, the spec files spread over them longest first;
#   lane 2: lint (one eslint run over the tree) + type-check (one TypeScript
#           program of every project's files, tsconfig.all.json), then pack
#           and consume.
# Each lane writes its own log, printed whole when the lane ends; the script
# fails when either lane fails, and says which.
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false FORCE_COLOR=${FORCE_COLOR:-0}
start=$(date +%s)

bash tools/install.sh
# Browser and msmtp tests run for real here, never skipped (they skip only outside this script when the program is absent).
bash tools/ensure-system-tools.sh
installed=$(date +%s)
echo "== installed in $(( installed - start ))s"
export VEZA_REQUIRE_CHROMIUM=1 VEZA_REQUIRE_MSMTP=1

logs=$(mktemp -d "${TMPDIR:-/tmp}/veza-test-XXXXXX")
lanes=()
cleanup() {
  local pid
  for pid in "${lanes[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  rm -rf "$logs"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

elapsed() { echo "$(( $(date +%s) - start ))s"; }

tests_lane() {
  # Three jest workers (TEST_WORKERS): the specs wait on child processes and
  # servers much of the time, and three keep both cores busy beside lane 2.
  # The slowest spec files start first (tools/testing/slow-first-sequencer.cjs).
  # The run has a deadline (TEST_DEADLINE, 25 min): a process that keeps a
  # handle open after its tests (jest then waits for ever) fails the run, named.
  tools/with-postgres.sh bash -c '
    limit=${TEST_DEADLINE:-1500}
    NODE_OPTIONS="--experimental-vm-modules --no-warnings=ExperimentalWarning" \
      timeout -k 30 "$limit" node node_modules/jest/bin/jest.js --config jest.config.cjs --maxWorkers="${TEST_WORKERS:-3}" \
      --json --outputFile="$0/jest.json"; rc=$?
    [[ $rc -eq 124 ]] && echo "== the tests did not end within ${limit}s (TEST_DEADLINE): stopped"
    [[ -s "$0/jest.json" ]] && node tools/testing/jest-times.mjs "$0/jest.json"
    exit $rc
  ' "$logs"
}

checks_lane() {
  # The same checks as `nx run-many -t lint typecheck`, done once for the whole
  # tree instead of once per project (each project's run would load and check
  # the libraries it imports again): about 50 s of CPU instead of 165.
  echo "== lint: eslint over the whole tree (type-checked rules, module boundaries, formatting)"
  # @nx/enforce-module-boundaries reads nx's cached project graph and, on a fresh clone with none,
  # skips itself with only a printed warning: build the graph first, and fail if it is not there.
  # Where nx keeps it (and the rule reads it): NX_WORKSPACE_DATA_DIRECTORY, else NX_PROJECT_GRAPH_CACHE_DIRECTORY, else .nx/workspace-data.
  local graph="${NX_WORKSPACE_DATA_DIRECTORY:-${NX_PROJECT_GRAPH_CACHE_DIRECTORY:-.nx/workspace-data}}/project-graph.json"
  npx nx show projects >/dev/null
  [[ -f "$graph" ]] || { echo "lint: nx wrote no project graph at $graph (is NX_CACHE_PROJECT_GRAPH=false?); module boundaries would go unchecked" >&2; exit 1; }
  npx eslint --max-warnings=0 .
  echo "== type-check: every project's files in one program (tsconfig.all.json), tools/testing on its own"
  npx tsc -p tsconfig.all.json
  npx tsc -p tools/testing/tsconfig.json
  echo "== lint + type-check passed at $(elapsed)"
  echo "== pack and consume: the libs installed from their tarballs outside the workspace"
  bash tools/pack-test.sh
}

echo "== unit and integration tests (PGlite + throwaway PostgreSQL), beside lint + type-check and pack and consume"
tests_lane >"$logs/tests.out" 2>&1 &
tests_pid=$!
lanes+=("$tests_pid")
checks_lane >"$logs/checks.out" 2>&1 &
checks_pid=$!
lanes+=("$checks_pid")

set +e
wait "$checks_pid"; checks_rc=$?
echo "== lane 2 (lint, type-check, pack and consume) ended at $(elapsed), exit $checks_rc"
cat "$logs/checks.out"
wait "$tests_pid"; tests_rc=$?
echo "== lane 1 (unit and integration tests) ended at $(elapsed), exit $tests_rc"
cat "$logs/tests.out"
set -e
lanes=()

if [[ $checks_rc -ne 0 || $tests_rc -ne 0 ]]; then
  [[ $checks_rc -ne 0 ]] && echo "== FAILED: lint, type-check or pack and consume (exit $checks_rc)"
  [[ $tests_rc -ne 0 ]] && echo "== FAILED: unit and integration tests (exit $tests_rc)"
  exit 1
fi
# a step that could not run here (pack and consume's other Node versions off Linux x86_64) is said again, not passed over
skips=$(grep -o 'SKIPPED: .*' "$logs/checks.out" | tail -n 1 || true)
echo "== all tests passed in $(elapsed): $(( $(date +%s) - installed ))s after install${skips:+; $skips}"
