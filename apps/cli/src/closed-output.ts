/**
 * stdout or stderr that can no longer be written, in the middle of a command:
 * its reader went away (`… | head`, `… 2>&1 | less` quit, a `tee` that died:
 * EPIPE), or it is on a full disk or a lost terminal (ENOSPC, EIO).
 *
 * The command goes on to its end: it is what the operator asked for, and what
 * it does is kept elsewhere (the database, dispatch.log, the folders). Ending
 * it at the first failed write stopped `SEND=1 invites send … | head -1`
 * after prepare, nothing sent, with exit 0; and a stderr closed by its reader
 * (no listener: an uncaught error) killed a dispatch in the middle of a send,
 * that email left "unknown".
 *
 * The exit code: a reader that closed the pipe (EPIPE) is not an error, the
 * command's own code stands; any other failure means the output was lost,
 * so a command that succeeded ends with 1. What could not be written is said
 * once on the other stream, when that one still works.
 *
 * A pipe is written asynchronously (a file and a terminal are not): what its
 * reader has not taken yet waits in this process's memory, and `process.exit`
 * dropped it. `veza-beta cohort validate big.csv --json | jq` got the first
 * 64 KB of the document (the pipe's buffer) and exit 0. main.ts waits for
 * both streams to be written out (`outputsWritten`) before it exits.
 */

type Stream = NodeJS.WriteStream;

interface Lost {
  code: string | undefined;
  message: string;
}

const lost = new Map<Stream, Lost>();

/**
 * Installs the listeners (main.ts, once). A command that handles stdout's
 * errors itself (gates check: its loop reports them with the next run) adds a
 * listener of its own beside this one.
 */
export function guardOutput(): void {
  for (const [stream, name, other] of [
    [process.stdout, 'the output', process.stderr],
    [process.stderr, 'the messages (stderr)', process.stdout],
  ] as const) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (lost.has(stream)) return;
      lost.set(stream, { code: error.code, message: error.message });
      if (error.code === 'EPIPE') return; // closed by its reader, on purpose
      if (!lost.has(other))
        other.write(`veza-beta: cannot write ${name}: ${error.message}; the command goes on to its end, and will not exit 0\n`);
    });
  }
}

/** The process's exit code once the command returned `code`: 1 instead of 0 when an output was lost other than by its reader closing it. */
export function exitCodeAfterOutput(code: number): number {
  if (code !== 0) return code;
  return [...lost.values()].some((l) => l.code !== 'EPIPE') ? 1 : 0;
}

/**
 * Resolves once what was written to stdout and stderr has been taken by their
 * readers, or cannot be (the stream failed or is closed). A reader that does
 * not read (a pager left open, a stopped process) is waited for, as `cat`
 * waits: the wait is in the event loop, so Ctrl-C, SIGTERM and a hangup still
 * end the process (early-stop.ts says what was lost).
 */
export function outputsWritten(): Promise<void> {
  return Promise.all([process.stdout, process.stderr].map(written)).then(() => undefined);
}

function written(stream: Stream): Promise<void> {
  if (stream.destroyed || stream.writableEnded || stream.writableLength === 0) return Promise.resolve();
  // an empty write's callback comes after every chunk before it has been written, or with the stream's error
  return new Promise((resolve) => stream.write('', () => resolve()));
}
