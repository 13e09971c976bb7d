// Shared launcher for the apps' bin scripts. Node 20 cannot strip types, so
// re-execute node with tsx loaded and the "@veza/source" export condition
// (which makes @veza/* resolve to their TypeScript sources), from any folder.
//
// Signals and the two processes:
// - the launcher waits for its child and exits with the child's exit code
//   (or dies of the same signal as the child);
// - SIGTERM/SIGINT/SIGHUP sent to the launcher alone are passed on to the child;
// - Ctrl-C in a terminal (or `kill -INT -PGID`) signals both at once: the
//   child then receives the signal twice (the group's and the launcher's), and
//   launch-child.mjs makes it count once;
// - when the launcher dies without passing anything on (`kill -9`), the child
//   sees its IPC channel close and stops as on SIGTERM (drain, close the
//   database, release the embedded database's lock).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'];

export function launch(entryPath) {
  const require = createRequire(import.meta.url);
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  const watchParent = new URL('./launch-child.mjs', import.meta.url).href;
  const child = spawn(
    process.execPath,
    ['--conditions=@veza/source', '--import', tsx, '--import', watchParent, '--no-warnings=ExperimentalWarning', entryPath, ...process.argv.slice(2)],
    // fd 3 is an IPC channel: its end tells the child that the launcher is gone, even after kill -9.
    { stdio: ['inherit', 'inherit', 'inherit', 'ipc'], serialization: 'json' },
  );
  const forward = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of SIGNALS) process.on(signal, forward);
  child.on('error', (error) => {
    process.stderr.write(`cannot start ${entryPath}: ${error.message}\n`);
    process.exit(70);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      for (const s of SIGNALS) process.removeListener(s, forward);
      process.kill(process.pid, signal);
      // A signal Node cannot die of by default (it has a handler elsewhere) still ends the launcher.
      setTimeout(() => process.exit(128 + 1), 1000).unref();
    } else process.exit(code ?? 1);
  });
}
