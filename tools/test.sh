#!/usr/bin/env bash
# Every test: install, lint, type-check, then unit and integration tests with
# a throwaway PostgreSQL (tools/with-postgres.sh) beside the embedded PGlite,
# then the pack-and-consume test of the libs (tools/pack-test.sh).
#
# Two lanes at once (docs/README.md, "Testing", has the times): the tests spend
# much of their time waiting (child processes, deadlines, servers), which the
# CPU-bound lint, type-check and pack test fill.
#   lane 1: jest, the CLI project (the longest) from the start, beside the
#           other nine projects one at a time;
#   lane 2: lint + type-check, then pack and consume.
# Each lane writes its own log, printed whole when the lane ends; the script
# fails when either lane fails, and says which.
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false FORCE_COLOR=${FORCE_COLOR:-0}
start=$(date +%s)

bash tools/install.sh
# Browser and msmtp tests run for real here, never skipped (they skip only outside this script when the program is absent).
bash tools/ensure-system-tools.sh
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
  # The CLI's jest run takes longest: it starts first, on its own. One jest
  # worker each: more CPU-bound processes than that on two cores made the
  # deadline tests (60 s a test, wall-clock bounds) fail under load.
  # Each jest run has a deadline (TEST_DEADLINE, 25 min): a process that keeps a
  # handle open after its tests (jest then waits for ever) fails the run, named.
  tools/with-postgres.sh bash -c '
    limit=${TEST_DEADLINE:-1500}
    timeout -k 30 "$limit" npx nx run cli:test --outputStyle=static >"$0/cli.log" 2>&1 & cli=$!
    timeout -k 30 "$limit" npx nx run-many -t test --exclude=cli --parallel=1 --outputStyle=static >"$0/libs.log" 2>&1; libs=$?
    wait $cli; cli_rc=$?
    cat "$0/cli.log" "$0/libs.log"
    [[ $cli_rc -eq 124 ]] && echo "== the CLI tests did not end within ${limit}s (TEST_DEADLINE): stopped"
    [[ $libs -eq 124 ]] && echo "== the other projects tests did not end within ${limit}s (TEST_DEADLINE): stopped"
    exit $(( cli_rc != 0 || libs != 0 ))
  ' "$logs"
}

checks_lane() {
  echo "== lint + type-check"
  npx nx run-many -t lint typecheck --parallel=2 --outputStyle=static
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
echo "== all tests passed in $(elapsed)"
