// Jest globalSetup of the app projects: every child process of their specs
// (`veza-beta …`, `redemption-api`, `monitor-worker`) would otherwise start
// through tsx, which resolves and loads the whole module graph through its
// hooks on every start: about 2.5 s of CPU a process on this 2-core machine,
// for some 150 processes a run. Here each app is bundled once per jest run
// (esbuild, about 1 s for the three), and tools/launch.mjs starts the bundle
// instead of the sources when VEZA_PREBUILT_DIR names this folder. The
// launcher itself, its signals and its IPC watch are unchanged: only what the
// child process loads is. tools/testing/__tests__/launch.spec.ts keeps
// testing the tsx path (its fixtures are not in the manifest).
//
// A bundle behaves as the sources do:
// - `import.meta.url` is each source file's own URL (a plugin writes it in), so
//   files found next to the code (migrations/, package.json, templates) are
//   found where they are;
// - packages outside the workspace stay imports, resolved at build time to
//   the same files Node would load (the "import" condition);
// - @veza/* libs are bundled from their sources (the "@veza/source" condition).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../../', import.meta.url));
export const PREBUILT_APPS = ['cli', 'redemption-api', 'monitor-worker'];

/** Keeps per-file `import.meta.url` and leaves third-party packages as imports of their resolved files. */
const keepSourceLayout = {
  name: 'keep-source-layout',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.path.startsWith('node:') || args.pluginData === 'resolving' || args.path.startsWith('@veza/')) return undefined;
      const resolved = await b.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: 'resolving',
      });
      if (resolved.errors.length > 0 || !resolved.path) return undefined;
      return { path: resolved.path, external: true };
    });
    b.onLoad({ filter: /\.[cm]?tsx?$/ }, (args) => {
      if (args.path.includes('/node_modules/')) return undefined;
      const source = readFileSync(args.path, 'utf8');
      return {
        contents: source.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
        loader: args.path.endsWith('x') ? 'tsx' : 'ts',
        resolveDir: dirname(args.path),
      };
    });
  },
};

/** Bundles the apps into `outDir` and writes `manifest.json` (source entry path → bundle). */
export async function prebuildApps(outDir) {
  mkdirSync(outDir, { recursive: true });
  const entryPoints = Object.fromEntries(PREBUILT_APPS.map((app) => [app, join(root, 'apps', app, 'src', 'main.ts')]));
  await build({
    entryPoints,
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    target: 'node20',
    conditions: ['@veza/source'],
    logLevel: 'error',
    plugins: [keepSourceLayout],
  });
  const manifest = Object.fromEntries(Object.entries(entryPoints).map(([app, entry]) => [entry, join(outDir, `${app}.mjs`)]));
  writeFileSync(join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return manifest;
}

/** globalSetup: one folder of bundles for this jest run, removed by the teardown. */
export default async function globalSetup() {
  if (process.env['VEZA_PREBUILT'] === '0') return; // the sources through tsx, as an operator runs them
  // One jest run of several projects (the root jest.config.cjs) runs each app project's globalSetup: one build serves them all.
  if (ownedFolder(process.env['VEZA_PREBUILT_DIR']) && existsSync(join(process.env['VEZA_PREBUILT_DIR'], 'manifest.json'))) return;
  const dir = mkdtempSync(join(tmpdir(), 'veza-prebuilt-'));
  await prebuildApps(dir);
  process.env['VEZA_PREBUILT_DIR'] = dir;
}

/** globalTeardown (prebuild-apps-teardown.mjs): removes this run's folder. */
export function removePrebuiltApps() {
  const dir = process.env['VEZA_PREBUILT_DIR'];
  if (ownedFolder(dir)) rmSync(dir, { recursive: true, force: true });
}

/** A folder globalSetup made (never one a caller named for its own use). */
function ownedFolder(dir) {
  return typeof dir === 'string' && dir.startsWith(join(tmpdir(), 'veza-prebuilt-'));
}
