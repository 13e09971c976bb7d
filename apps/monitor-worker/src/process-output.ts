/**
 * The worker's own stdout and stderr, to its exit.
 *
 * stderr had no error listener: its first line after the reader went away
 * (`npm run monitor 2>&1 | head`, a `tee` that died) or on a full disk
 * (`2> /dev/full`) was an uncaught error. The worker died with exit 1 (read as
 * NO-GO), and a loop stored and announced nothing more. Now a lost stderr is
 * kept quiet, the loop goes on, and a GO exits 2, as for a stdout lost
 * (`showRun`'s rule: a run whose report is missing is not a clean GO).
 *
 * stdout's errors are showRun's (`@veza/gate-probes`), but the error of a
 * write comes a tick after it, and a pipe is written asynchronously (what its
 * reader has not taken yet waits in this process). A single run on the
 * embedded database ended with `process.exit` right after its table:
 * `npm run monitor > /dev/full` exited 0, GO, nothing said. `outputsWritten`
 * is waited for before the exit code is decided (the CLI's main does the same,
 * apps/cli/src/closed-output.ts).
 */

let stderrError: Error | null = null;

/** Installed first thing: stderr's errors are kept, not thrown. */
export function guardStderr(): void {
  process.stderr.on('error', (error: Error) => {
    stderrError ??= error;
  });
}

/** Whether stderr failed (the worker's messages are lost, in part). */
export function stderrLost(): boolean {
  return stderrError !== null;
}

/**
 * Resolves true once what was written to stdout and stderr has been taken by
 * their readers or cannot be (and a failed write's error has been told);
 * false as soon as `stop` is aborted meanwhile (a reader that does not read:
 * a pager left open, a stopped process; a SIGTERM must still end the worker).
 */
export async function outputsWritten(stop: AbortSignal): Promise<boolean> {
  if (stop.aborted) return false;
  let onAbort = () => undefined as void;
  const aborted = new Promise<false>((resolve) => {
    onAbort = () => resolve(false);
    stop.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const both = Promise.all([process.stdout, process.stderr].map(writtenOut)).then(() => true as const);
    if (!(await Promise.race([both, aborted]))) return false;
  } finally {
    stop.removeEventListener('abort', onAbort);
  }
  await nextTurn();
  return true;
}

/** How long a worker stopped by a signal gives its last output to be taken by stdout's reader (5 s, as the API's log). */
export const SIGNAL_OUTPUT_WAIT_MS = 5_000;

/**
 * After a signal: `outputsWritten` within `timeoutMs`. With no wait, a loop stopped by SIGTERM while its
 * reader was behind (a slow pipe, a pager) lost the runs not taken yet, its last verdict included, and a GO
 * exited 0. A reader that does not read holds the worker `timeoutMs` at most.
 */
export async function outputsWrittenWithin(timeoutMs: number = SIGNAL_OUTPUT_WAIT_MS): Promise<boolean> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  try {
    return await outputsWritten(deadline.signal);
  } finally {
    clearTimeout(timer);
  }
}

/** One turn of the event loop: a failed write's 'error' event comes a tick after the write. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function writtenOut(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.destroyed || stream.writableEnded || stream.writableLength === 0) return Promise.resolve();
  // an empty write's callback comes after every chunk before it has been written, or with the stream's error
  return new Promise((resolve) => stream.write('', () => resolve()));
}
