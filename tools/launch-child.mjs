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
