#!/usr/bin/env bash
# Makes sure the Debian programs the tests drive for real are there:
# - chromium: browser tests (email preview screenshot, signup page). Playwright's
#   own browser download does not work on this network, so playwright-core
#   drives /usr/bin/chromium;
# - msmtp: the default SEND_CMD; dispatch and preflight ask the real msmtp
#   whether its account resolves;
# - pgbouncer: the pooler spec shows that veza-beta refuses PgBouncer in
#   transaction mode (libs/invites-db/__tests__/tls-and-pooler.integration.spec.ts);
# - faketime: a child process whose clock is off from PostgreSQL's
#   (libs/invites-db/__tests__/clock-skew.integration.spec.ts).
set -euo pipefail
missing=()
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
command -v msmtp >/dev/null 2>&1 || missing+=(msmtp)
[[ -x /usr/sbin/pgbouncer ]] || command -v pgbouncer >/dev/null 2>&1 || missing+=(pgbouncer)
command -v faketime >/dev/null 2>&1 || missing+=(faketime)
[[ ${#missing[@]} -eq 0 ]] && exit 0
echo "== installing Debian packages for the tests: ${missing[*]}"
SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null 2>&1 || true
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
[[ -x /usr/bin/chromium ]] || { echo "chromium did not install" >&2; exit 1; }
command -v msmtp >/dev/null 2>&1 || { echo "msmtp did not install" >&2; exit 1; }
[[ -x /usr/sbin/pgbouncer ]] || command -v pgbouncer >/dev/null 2>&1 || { echo "pgbouncer did not install" >&2; exit 1; }
command -v faketime >/dev/null 2>&1 || { echo "faketime did not install" >&2; exit 1; }
