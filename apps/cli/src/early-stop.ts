// Nothing heavy is imported here: main.ts installs this before it loads the rest of veza-beta.

/** The exit code of a process ended by this signal, as a shell reports it (128 + its number). */
export const quitCode = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
export type StopSignal = keyof typeof quitCode;
export const STOP_SIGNALS = Object.keys(quitCode) as StopSignal[];

let commandRunning = false;
/** The command's exit code once it has returned (main.ts then waits for its output to be read), else null. */
let endedWith: number | null = null;
/** Stops of the command's own (gracefulStop, gates check's) in place: a signal is theirs. */
let ownStops = 0;

/**
 * A signal that comes before a command has a stop of its own (gracefulStop, or
 * the command's own listener), as veza-beta starts (loading its modules takes
 * a second or more, parsing the command line) or in a command with no stop of
 * its own: one line that says so, and the signal's code (130 Ctrl-C, 143
 * SIGTERM, 129 hangup), rather than a silent death. Installed first thing by
 * main.ts; it leaves a signal to a command's own stop (`ownStop`). Before the command
 * runs nothing was done; once it runs (`commandStarted`), what it had
 * committed stays, and the line says so.
 */
export function installEarlyStop(): void {
  const last = new Map<StopSignal, number>();
  const onSignal = (name: StopSignal) => {
    // Ctrl-C reaches the app twice within milliseconds (the terminal's group signal and the launcher's): the
    // repeat is the same Ctrl-C, not a second one that would cut short a stop the first one started
    const now = Date.now();
    const previous = last.get(name);
    last.set(name, now);
    if (previous !== undefined && now - previous < 1_000) return;
    // a command's own stop handles it (the launcher's guard, tools/launch-child.mjs, listens too: not a stop)
    if (ownStops > 0) return;
    if (name === 'SIGHUP') ignoreTerminalWriteErrors();
    process.stderr.write(
      endedWith !== null
        ? `\n${name}: veza-beta stopped while its output waited to be read (the command had ended, exit code ${endedWith}); the rest of its output is lost.\n`
        : commandRunning
          ? `\n${name}: veza-beta stopped before the command ended; what it had already done stays (run it again to see where it stands).\n`
          : `\n${name}: veza-beta stopped before the command started: nothing was done.\n`,
    );
    process.exit(quitCode[name]);
  };
  for (const name of STOP_SIGNALS) process.on(name, onSignal);
}

/**
 * A command's own handling of the stop signals starts: until the returned
 * release is called, the early stop leaves the signals to it.
 */
export function ownStop(): () => void {
  ownStops += 1;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    ownStops -= 1;
  };
}

/** The command's handler is about to run (a yargs middleware): from here on, a signal may come after some of its work. */
export function commandStarted(): void {
  commandRunning = true;
}

/** The command returned `code`; what is left is its output being read (main.ts). */
export function commandEnded(code: number): void {
  endedWith = code;
}

let ignoring = false;
/** After a hangup, stdout and stderr may be a terminal that is gone: their write errors are dropped. */
export function ignoreTerminalWriteErrors(): void {
  if (ignoring) return;
  ignoring = true;
  for (const stream of [process.stdout, process.stderr]) if (stream.isTTY) stream.on('error', () => undefined);
}
