import { execFileSync } from 'node:child_process';
import { build } from 'esbuild';

/**
 * Bundles a backend file with esbuild as a backend engineer would
 * (`--bundle --platform=node`, ESM or CommonJS), the workspace's `@veza/*`
 * sources inside and third-party packages external (resolved from the
 * workspace at run time), then runs the bundle with `args` and returns what
 * it printed.
 */
export async function bundleAndRunBackend(entry: string, outfile: string, format: 'cjs' | 'esm', args: string[]): Promise<string> {
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format,
    outfile,
    conditions: ['@veza/source'],
    logLevel: 'silent',
    plugins: [
      {
        name: 'third-party-external',
        setup(b) {
          b.onResolve({ filter: /^[^./]/ }, (resolved) =>
            resolved.path.startsWith('@veza/') || resolved.path.startsWith('node:') ? undefined : { external: true },
          );
        },
      },
    ],
  });
  return execFileSync(process.execPath, [outfile, ...args], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
}
