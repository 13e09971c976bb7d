import { statSync } from 'node:fs';

/**
 * Runs `work` under umask 000 (a shared CI runner's), the umask put back after; children started
 * meanwhile get it. For a test of the modes a file holding names, addresses or codes is written with.
 */
export async function underUmask000<T>(work: () => Promise<T>): Promise<T> {
  const before = process.umask(0);
  try {
    return await work();
  } finally {
    process.umask(before);
  }
}

/** A file's permission bits in octal, e.g. '600'. */
export const modeOf = (path: string): string => (statSync(path).mode & 0o777).toString(8);
