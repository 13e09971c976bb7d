// Shared launcher for the apps' bin scripts. Node 20 cannot strip types, so
// re-execute node with tsx loaded and the "@veza/source" export condition
// (which makes @veza/* resolve to their TypeScript sources), from any folder.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

export function launch(entryPath) {
  const require = createRequire(import.meta.url);
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  const result = spawnSync(
    process.execPath,
    ['--conditions=@veza/source', '--import', tsx, '--no-warnings=ExperimentalWarning', entryPath, ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  if (result.error) {
    process.stderr.write(`cannot start ${entryPath}: ${result.error.message}\n`);
    process.exit(70);
  }
  if (result.signal) process.kill(process.pid, result.signal);
  process.exit(result.status ?? 1);
}
