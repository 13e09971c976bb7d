#!/usr/bin/env bash
# Makes sure Debian's Chromium is there for the browser tests (email preview
# screenshot, signup page). Playwright's own browser download does not work on
# this network, so playwright-core drives /usr/bin/chromium.
set -euo pipefail
if [[ -x /usr/bin/chromium ]]; then exit 0; fi
echo "== installing Debian's chromium for the browser tests"
SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null 2>&1 || true
$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
[[ -x /usr/bin/chromium ]] || { echo "chromium did not install" >&2; exit 1; }
