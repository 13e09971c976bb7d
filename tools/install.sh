#!/usr/bin/env bash
# Installs the workspace's dependencies from the committed lock when they are
# missing or older than the lock. `npm ci` is not used: this registry lacks some
# other-platform binary packages, so a lock written here never satisfies it
# (see ../shared/STACK.md); `npm install` with the committed lock is.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json || ! -e node_modules/.bin/veza-beta ]]; then
  echo "== installing dependencies (npm install)"
  npm install --no-audit --no-fund --loglevel=error
fi
