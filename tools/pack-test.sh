#!/usr/bin/env bash
# Pack and consume: the libraries as the main Veza backend gets them. Build,
# `npm pack` each lib, check the tarballs (exports, source maps, declared
# dependencies), install them into a temporary project outside the workspace
# (the npm cache first: --prefer-offline), then in ESM and in CommonJS migrate
# an embedded database and create, look up and redeem an invite, render an
# .eml, dispatch invites and drain the welcome outbox (invite-mailer, fake
# transport), validate a CSV and run the gates with nothing configured
# (tools/pack-consumer/scenario.cjs), read settings from a .env through a
# lib's zod schema (@veza/settings), and type-check a file importing
# each lib's main names with strict and skipLibCheck: false.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
libs=(invite-rules settings invites-db cohort-validator email-templates gate-probes invite-mailer)
work=$(mktemp -d "${TMPDIR:-/tmp}/veza-pack-XXXXXX")
trap 'rm -rf "$work"' EXIT
start=$(date +%s)

echo "== pack: build ${libs[*]}"
npx nx run-many -t build -p "${libs[@]}" --outputStyle=static >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }

mkdir -p "$work/tarballs" "$work/unpacked"
for lib in "${libs[@]}"; do
  (cd "libs/$lib" && npm pack --silent --pack-destination "$work/tarballs" >/dev/null)
done
unpacked=()
for tarball in "$work"/tarballs/*.tgz; do
  dir="$work/unpacked/$(basename "$tarball" .tgz)"
  mkdir -p "$dir" && tar -xzf "$tarball" -C "$dir" --strip-components=1
  unpacked+=("$dir")
done
node tools/pack-consumer/check-packages.mjs "${unpacked[@]}"

echo "== pack: install the tarballs into $work/app (--prefer-offline: the npm cache first)"
mkdir "$work/app"
cp tools/pack-consumer/{scenario.cjs,consume.mjs,consume.cjs,types.ts,tsconfig.json} "$work/app/"
printf '{ "name": "veza-backend", "private": true, "type": "module" }\n' >"$work/app/package.json"
(cd "$work/app" && npm install --prefer-offline --no-audit --no-fund --ignore-scripts --loglevel=error "$work"/tarballs/*.tgz >/dev/null)

echo "== pack: consume"
# The tarball must carry every migration of the repository's migrations/ (the one source).
VEZA_REPO_MIGRATIONS=$(cd migrations && ls -1 *.sql | paste -sd, -)
export VEZA_REPO_MIGRATIONS
(cd "$work/app" && node consume.mjs && node consume.cjs)

echo "== pack: tsc --strict, skipLibCheck false"
set +e
# Node's types come from the workspace (typeRoots): the backend has its own @types/node.
(cd "$work/app" && node "$root/node_modules/typescript/bin/tsc" -p tsconfig.json --pretty false --typeRoots "$root/node_modules/@types") >"$work/tsc.log" 2>&1
set -e
# drizzle-orm's own declaration files fail under skipLibCheck: false in any project (upstream); ours must not.
ours=$(grep -E 'error TS' "$work/tsc.log" | grep -vE '^node_modules/drizzle-orm/' || true)
if [ -n "$ours" ]; then
  echo "$ours"
  exit 1
fi
echo "tsc: 0 errors from our packages ($(grep -cE '^node_modules/drizzle-orm/.*error TS' "$work/tsc.log" || true) in drizzle-orm's own declarations)"
echo "== pack and consume passed in $(( $(date +%s) - start ))s"
