import { writeSync } from 'node:fs';
import pino from 'pino';
import type { DestinationStream } from 'pino';

const noop = () => undefined;

/** How long the exit waits for the log's last lines to be taken by stdout's reader. */
export const LOG_WRITE_OUT_MS = 5_000;

export interface StdoutLog {
  stream: DestinationStream;
  /**
   * Called before `process.exit`: resolves once the lines logged so far are written, or cannot be
   * (stdout broke), or after `timeoutMs` (a reader that does not read). Then nothing more is written:
   * pino's own flush at exit is turned off.
   */
  writtenOut(timeoutMs?: number): Promise<void>;
}

/**
 * The log's destination: stdout, written as pino writes it by default (sonic-boom, asynchronous),
 * except when stdout breaks. A write error other than EPIPE (ENOSPC: the disk of a log file is full;
 * EIO: the terminal it ran in is gone) made pino throw from the write, and at exit sonic-boom's
 * flushSync retried the failed line for ever: the service stopped answering, and SIGTERM could not
 * stop it (its event loop was held), until SIGKILL. Now the log stops, once said on stderr, and the
 * service goes on answering and stops cleanly.
 *
 * The exit: sonic-boom's flushSync (pino calls it at exit) retries any write error but EAGAIN for
 * ever, every 100 ms. Its reader gone (`| head`, a log pipe that died) just before a SIGTERM, the
 * shutdown's last lines were still queued (their error not told yet) when the process exited, and the
 * API never ended. `writtenOut` lets those writes end, or fail, in the event loop, within a deadline,
 * and turns that flush off.
 */
export function stdoutLog(app = 'redemption-api'): StdoutLog {
  const stream = pino.destination({ dest: 1, sync: false });
  const parts = stream as unknown as Record<string, unknown>;
  let broken = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (broken) return;
    broken = true;
    parts['write'] = () => true;
    parts['end'] = noop;
    parts['flush'] = (cb?: (error?: Error) => void) => cb?.();
    parts['flushSync'] = noop;
    parts['destroy'] = noop;
    try {
      writeSync(2, `${app}: the log on stdout cannot be written (${error.code ?? error.message}): logging stopped, the service goes on\n`);
    } catch {
      // stderr is gone too
    }
  });
  const writtenOut = (timeoutMs = LOG_WRITE_OUT_MS) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        stream.off('drain', done);
        stream.off('error', done);
        parts['flushSync'] = noop;
        resolve();
      };
      const timer = setTimeout(() => {
        // stderr may be the same stalled pipe: an asynchronous write, its failure dropped, never a wait
        process.stderr.once('error', noop);
        process.stderr.write(`${app}: the log's last lines were not taken by stdout's reader within ${timeoutMs} ms: left unwritten\n`);
        done();
      }, timeoutMs);
      if (broken) return done();
      // an empty write: its 'drain' comes once every line before it is written
      stream.once('drain', done);
      stream.once('error', done);
      stream.write('');
    });
  return { stream, writtenOut };
}
