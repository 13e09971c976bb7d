import { writeSync } from 'node:fs';
import pino from 'pino';
import type { DestinationStream } from 'pino';

const noop = () => undefined;

/**
 * The log's destination: stdout, written as pino writes it by default (sonic-boom, asynchronous),
 * except when stdout breaks. A write error other than EPIPE (ENOSPC: the disk of a log file is full;
 * EIO: the terminal it ran in is gone) made pino throw from the write, and at exit sonic-boom's
 * flushSync retried the failed line for ever: the service stopped answering, and SIGTERM could not
 * stop it (its event loop was held), until SIGKILL. Now the log stops, once said on stderr, and the
 * service goes on answering and stops cleanly.
 */
export function stdoutLog(app = 'redemption-api'): DestinationStream {
  const stream = pino.destination({ dest: 1, sync: false });
  let broken = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (broken) return;
    broken = true;
    const parts = stream as unknown as Record<string, unknown>;
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
  return stream;
}
