#!/usr/bin/env bash
# A longer exploratory run of the property specs (their names end in
# .property.spec.ts): random seeds, more runs, against PGlite and a throwaway
# PostgreSQL. CI runs the same specs with their fixed seeds and few runs.
#   bash tools/fuzz/run.sh [rounds, default 5] [runs per property, default 2000]
# Each round prints its FUZZ_SEED (drawn here: one given to this script is not
# used): FUZZ_SEED=<seed> FUZZ_RUNS=<runs> on jest with the failing spec file
# replays it (docs/README.md gives the command).
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-5}
export FUZZ_RUNS=${2:-2000} CI=true
specs=$(git ls-files '*.property.spec.ts')
for round in $(seq 1 "$rounds"); do
  export FUZZ_SEED=$(( (RANDOM << 15) | RANDOM ))
  echo "== round $round of $rounds, FUZZ_SEED=$FUZZ_SEED FUZZ_RUNS=$FUZZ_RUNS"
  # shellcheck disable=SC2086 # one argument per spec file
  bash tools/with-postgres.sh bash -c 'NODE_OPTIONS="--experimental-vm-modules --no-warnings=ExperimentalWarning" exec npx jest --maxWorkers=1 --testTimeout=600000 "$@"' fuzz $specs
done
