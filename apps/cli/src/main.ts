import { installEarlyStop } from './early-stop.js';

// First thing: a Ctrl-C or SIGTERM while the modules below load (a second or more) or before a command has a
// stop of its own ends with a line and the signal's code, not a silent death (early-stop.ts).
installEarlyStop();
const { hideBin } = await import('yargs/helpers');
const { buildCli } = await import('./cli.js');
const { runCli } = await import('./run-cli.js');

// `veza-beta … | head` closes the pipe early: that is not an error. A command that handles stdout's
// errors itself (gates check: its loop goes on storing and announcing, its exit code stays the verdict's) adds
// a listener of its own, and this one then leaves it to that command.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (process.stdout.listenerCount('error') > 1) return;
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  // stdout on a full disk (ENOSPC, > /dev/full), a lost terminal (EIO): one line that says so, not a stack trace
  process.stderr.write(`veza-beta: cannot write the output: ${error.message}\n`);
  process.exit(1);
});
// Exits once the command is done, as the API and the monitor do, rather than when nothing is left to run: an
// embedded database that failed to start on a full disk keeps re-arming a PostgreSQL timer in its wasm runtime
// every 10 s, and the command hung for good after printing its error. stdout and stderr are synchronous here.
process.exit(await runCli(buildCli(hideBin(process.argv))));
