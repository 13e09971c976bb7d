import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import type { BigIntStats, Stats } from 'node:fs';

/**
 * Reads a file whole, if it is a regular file; null when it is something else (a FIFO, a device, a
 * socket, a folder). It never waits: a FIFO opens at once (O_NONBLOCK; a plain open waits for a writer,
 * forever, with the thread blocked and no deadline able to fire), and a device is not read (a link to
 * /dev/zero was read without end). On a regular file O_NONBLOCK changes nothing. Other errors (ENOENT,
 * EACCES) are thrown as they come. One fstat and a read loop, as readFileSync does them.
 */
export function readIfRegularFile(path: string): { bytes: Buffer; stat: Stats } | null;
export function readIfRegularFile(path: string, options: { bigint: true }): { bytes: Buffer; stat: BigIntStats } | null;
export function readIfRegularFile(path: string, options?: { bigint: true }): { bytes: Buffer; stat: Stats | BigIntStats } | null {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = options?.bigint ? fstatSync(fd, { bigint: true }) : fstatSync(fd);
    if (!stat.isFile()) return null;
    const size = Number(stat.size);
    const bytes = Buffer.allocUnsafeSlow(size);
    let read = 0;
    for (let n = 1; read < size && n > 0; read += n) n = readSync(fd, bytes, read, size - read, null);
    // a file cut short since the fstat: what is there (the caller's checks see it is cut)
    return { bytes: read === size ? bytes : bytes.subarray(0, read), stat };
  } finally {
    closeSync(fd);
  }
}
