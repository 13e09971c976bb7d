// Shared launcher for the apps' bin scripts. Node 20 cannot strip types, so
// re-execute node with tsx loaded and the "@veza/source" export condition
// (which makes @veza/* resolve to their TypeScript sources), from any folder.
// The child is spawned asynchronously and SIGTERM/SIGINT/SIGHUP are passed on,
// so that `kill <pid>` of the launcher stops the real process cleanly.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

export function launch(entryPath) {
  const require = createRequire(import.meta.url);
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  const child = spawn(
    process.execPath,
    ['--conditions=@veza/source', '--import', tsx, '--no-warnings=ExperimentalWarning', entryPath, ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('error', (error) => {
    process.stderr.write(`cannot start ${entryPath}: ${error.message}\n`);
    process.exit(70);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else process.exit(code ?? 1);
  });
}
