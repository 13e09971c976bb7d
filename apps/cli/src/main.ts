import { exitCodeAfterOutput, guardOutput, outputsWritten } from './closed-output.js';
import { commandEnded, installEarlyStop } from './early-stop.js';

// First thing: a Ctrl-C or SIGTERM while the modules below load (a second or more) or before a command has a
// stop of its own ends with a line and the signal's code, not a silent death (early-stop.ts).
installEarlyStop();
// stdout or stderr closed by its reader (`… | head`, a pager quit) or unwritable (a full disk) in the middle of a
// command: the command goes on to its end (closed-output.ts); a lost output other than a closed pipe is exit 1.
guardOutput();
const { hideBin } = await import('yargs/helpers');
const { buildCli } = await import('./cli.js');
const { runCli } = await import('./run-cli.js');
// A signal that came while they loaded is handled here, before the command starts (early-stop.ts). Two turns of
// the event loop: the second comes after a poll for signals begun once the load was over (the first may end a
// poll begun before the signal). On Node 22 and 24 tsx loads the modules synchronously on the main thread
// (module.registerHooks), with no turn of the loop in between: a Ctrl-C or SIGTERM in the first second of a
// command was handled only once the command had started (a report ran to its end, then exit 143).
await new Promise((resolve) => setImmediate(resolve));
await new Promise((resolve) => setImmediate(resolve));

// Exits once the command is done, as the API and the monitor do, rather than when nothing is left to run: an
// embedded database that failed to start on a full disk keeps re-arming a PostgreSQL timer in its wasm runtime
// every 10 s, and the command hung for good after printing its error. stdout and stderr on a pipe are written
// asynchronously: what the reader has not taken yet is waited for, or process.exit drops it (closed-output.ts).
const code = await runCli(buildCli(hideBin(process.argv)));
commandEnded(code);
await outputsWritten();
// a failed write is told by an 'error' event a tick later: `invites report > /dev/full` exited 0 before it came
await new Promise((resolve) => setImmediate(resolve));
process.exit(exitCodeAfterOutput(code));
