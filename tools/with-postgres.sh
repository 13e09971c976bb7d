#!/usr/bin/env bash
# Starts a throwaway PostgreSQL on a free local port in a temp directory, and
# always tears it down (normal exit, failure, Ctrl-C, TERM).
#
#   tools/with-postgres.sh CMD [ARGS...]   run CMD with TEST_DATABASE_URL (and
#                                          DATABASE_URL when --export-database-url)
#   tools/with-postgres.sh                 print DATABASE_URL, keep running until Ctrl-C
#
# The server runs with fsync off (-F: tests need no durability), unless
# PG_FSYNC=on: then every commit waits for its WAL flush, as in production
# (the createInvites bench compares with one transaction per row on it).
#
# Uses the Debian server binaries (/usr/lib/postgresql/*/bin); installs the
# `postgresql` package when they are missing. PG_BINDIR=DIR uses the initdb,
# pg_ctl and postgres of DIR instead (another major: docs/CONFIGURATION.md,
# "PostgreSQL versions"). The server refuses to run as root, so as root it
# runs as the `postgres` system user.
set -euo pipefail

export_database_url=0
if [[ "${1:-}" == "--export-database-url" ]]; then export_database_url=1; shift; fi

log() { printf 'with-postgres: %s\n' "$*" >&2; }

find_bindir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [[ -x "$d/initdb" && -x "$d/pg_ctl" ]] && { echo "$d"; return 0; }
  done
  return 1
}

if [[ -n "${PG_BINDIR:-}" ]]; then
  BINDIR=$PG_BINDIR
  [[ -x "$BINDIR/initdb" && -x "$BINDIR/pg_ctl" && -x "$BINDIR/postgres" ]] || { log "PG_BINDIR=$BINDIR has no initdb, pg_ctl and postgres"; exit 1; }
elif ! BINDIR=$(find_bindir); then
  log "PostgreSQL server binaries not found; installing the Debian 'postgresql' package"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >&2 || true
  $SUDO apt-get install -y -qq --no-install-recommends postgresql >&2
  BINDIR=$(find_bindir) || { log "still no initdb after installing postgresql"; exit 1; }
fi

TMP=$(mktemp -d -t veza-pg.XXXXXX)
as_pg() {
  if [[ $(id -u) -eq 0 ]]; then
    su postgres -s /bin/sh -c "$1"
  else
    sh -c "$1"
  fi
}
if [[ $(id -u) -eq 0 ]]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres:postgres "$TMP"
fi

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -f "$TMP/data/postmaster.pid" ]]; then
    as_pg "'$BINDIR/pg_ctl' -D '$TMP/data' -m immediate -w stop" >/dev/null 2>&1 || true
  fi
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  # process.stdout.write, not console.log: under FORCE_COLOR (set by Nx) console.log colours a number
  node -e "const s=require('node:net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(s.address().port+'\\n');s.close()})"
}

as_pg "'$BINDIR/initdb' -D '$TMP/data' -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 -N" >/dev/null
fsync_opt="-F"; [[ "${PG_FSYNC:-off}" == "on" ]] && fsync_opt=""
started=0
for _ in 1 2 3; do
  PORT=$(free_port)
  if as_pg "'$BINDIR/pg_ctl' -D '$TMP/data' -l '$TMP/pg.log' -w -t 30 -o \"-k '$TMP' -p $PORT -c listen_addresses=127.0.0.1 $fsync_opt -c max_connections=300 -c shared_buffers=128MB\" start" >/dev/null; then
    started=1; break
  fi
done
if [[ $started -ne 1 ]]; then log "PostgreSQL did not start:"; cat "$TMP/pg.log" >&2; exit 1; fi

URL="postgres://postgres@127.0.0.1:$PORT/postgres"
log "PostgreSQL $("$BINDIR/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT (data in $TMP, removed on exit)"

if [[ $# -eq 0 ]]; then
  echo "DATABASE_URL=$URL"
  log "press Ctrl-C to stop and remove it"
  # `sleep & wait`: a TERM or INT sent to this script interrupts `wait` at once
  # and runs its trap (a foreground sleep would hold the trap back for an hour).
  # The trap kills `$!`, set as soon as the sleep is forked: a signal that lands
  # between `sleep &` and the next line still finds it. SIGKILL, not TERM: a
  # forked child that has not yet exec'd sleep still runs bash's TERM handler,
  # which would note the signal and then lose it in the exec (seen under load:
  # an hour-long sleep left in the caller's process group). The sleep holds no
  # stdio, so even an orphaned one cannot keep a caller's pipes open.
  trap '[[ -n ${!:-} ]] && kill -KILL "$!" 2>/dev/null; exit 130' INT
  trap '[[ -n ${!:-} ]] && kill -KILL "$!" 2>/dev/null; exit 143' TERM
  while true; do
    sleep 3600 </dev/null >/dev/null 2>&1 &
    wait "$!"
  done
fi

export TEST_DATABASE_URL="$URL"
# the same server through its Unix socket (libpq's ?host=<dir> form), for the specs of that form
export TEST_DATABASE_SOCKET_DIR="$TMP"
[[ $export_database_url -eq 1 ]] && export DATABASE_URL="$URL"
set +e
"$@" &
child=$!
trap 'kill -TERM $child 2>/dev/null; wait $child; exit 130' INT
trap 'kill -TERM $child 2>/dev/null; wait $child; exit 143' TERM
wait $child
exit $?
