// Loaded (--import) into every app started by tools/launch.mjs, before the app.
//
// 1. The parent's death: the launcher holds an IPC channel to this process;
//    when the launcher dies, even by kill -9, the channel closes and this
//    process sends itself SIGTERM, so the app stops the way it does on
//    SIGTERM (drain, close the database, release locks). The channel is
//    unref'd: it never keeps an app alive that has finished its work.
// 2. One signal, counted once: Ctrl-C signals the whole process group, so the
//    app receives SIGINT from the terminal and again from the launcher, within
//    milliseconds. A second identical signal within DUPLICATE_WINDOW_MS is
//    ignored, so that an app with a `once` handler is not killed by Node's
//    default action in the middle of its shutdown. Later repeats are not
//    duplicates: with no handler of the app left, they act as Node's default
//    (the process dies of the signal), so a second Ctrl-C still forces an exit.
// 3. A hangup: the terminal is gone, and Node 20 would abort at exit trying
//    to restore it (tools/hangup.mjs).
// 4. The exit code, told to the launcher when the app exits: Node joins its
//    thread pool after the 'exit' event, so a pool thread stuck in a call
//    that cannot be cancelled (getaddrinfo asking a name server that never
//    answers, open() of a FIFO or a hung network disk) held the process for
//    as long as that call, its verdict long printed. The launcher ends it
//    (tools/launch.mjs, EXIT_GRACE_MS) and exits with this code.
// 5. Out of file descriptors, uncaught: under `ulimit -n 64` the apps died
//    while loading (Node reading a module, the TypeScript loader starting
//    esbuild) with a stack trace into node_modules, which reads as a broken
//    install. One line naming the limit instead, and exit 3 (the machine's
//    configuration). So for any uncaught error raised while no descriptor is
//    left (the loader's esbuild could not start: "Cannot read properties of
//    undefined (reading 'on')"), and for that esbuild error even when the
//    descriptors are free again by the time it surfaces (the loader reports
//    it from its thread, later). Any other uncaught error is left to Node.
import { closeSync, openSync, readFileSync } from 'node:fs';
import { forgetTerminalAtExit } from './hangup.mjs';

const DUPLICATE_WINDOW_MS = 1000;

if (process.channel) {
  process.channel.unref();
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  process.on('exit', (code) => {
    try {
      // A small message on a pipe is written at once, before the teardown that may block.
      if (process.connected) process.send({ exiting: process.exitCode ?? code });
    } catch {
      // the launcher is gone: nobody to tell
    }
  });
}

const last = new Map();
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
  const guard = () => {
    if (signal === 'SIGHUP') forgetTerminalAtExit();
    const now = Date.now();
    const previous = last.get(signal);
    last.set(signal, now);
    if (previous !== undefined && now - previous < DUPLICATE_WINDOW_MS) return; // the same signal, delivered twice
    if (process.listenerCount(signal) === 1) {
      // Nobody else handles it: behave as if there were no handler at all.
      process.removeListener(signal, guard);
      process.kill(process.pid, signal);
    }
  };
  process.on(signal, guard);
}

/** Linux's open-file limit of this process, or '?' when it does not say: read now, as no descriptor is left later. */
const OPEN_FILE_LIMIT = (() => {
  try {
    return /^Max open files\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1] ?? '?';
  } catch {
    return '?';
  }
})();

/** EMFILE or ENFILE when no descriptor can be opened now, else null. */
function outOfDescriptors() {
  try {
    closeSync(openSync('/dev/null', 'r'));
    return null;
  } catch (error) {
    return error?.code === 'EMFILE' || error?.code === 'ENFILE' ? error.code : null;
  }
}

/**
 * The loader's esbuild could not start its service: Node's spawn leaves a
 * child without stdio only on EMFILE or ENFILE, and esbuild then reads
 * `child.stdin.on`. The loader reports it from its own thread, later, once the
 * files it held are closed: outOfDescriptors() no longer sees the shortage.
 */
function esbuildNotStarted(error) {
  return error instanceof Error && /reading 'on'/.test(error.message) && /\bensureServiceIsRunning \(.*esbuild/.test(String(error.stack));
}

process.on('uncaughtExceptionMonitor', (error) => {
  const own = error?.code === 'EMFILE' || error?.code === 'ENFILE' ? error.code : null;
  const esbuild = !own && esbuildNotStarted(error);
  const code = own ?? outOfDescriptors() ?? (esbuild ? 'EMFILE' : null);
  if (!code) return;
  const call =
    own && error.syscall ? (error.path && !error.syscall.includes(error.path) ? `${error.syscall} ${error.path}` : error.syscall) : null;
  const message = String(error?.message ?? error)
    .split('\n')[0]
    .slice(0, 200);
  const what = call
    ? ` (${call})`
    : own
      ? ''
      : esbuild
        ? ` (the TypeScript loader's esbuild could not start: ${message})`
        : ` (${message}, with no descriptor left)`;
  process.stderr.write(
    `too many open files [${code}]${what}: ${code === 'ENFILE' ? 'the whole system is out of them' : `the open-file limit is ${OPEN_FILE_LIMIT} (ulimit -n)`}; ` +
      `raise it (ulimit -n 4096, LimitNOFILE= in a systemd unit) and run it again\n`,
  );
  process.exit(3);
});
