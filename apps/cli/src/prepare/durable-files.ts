import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** The errno of a failed write, in words an operator acts on. */
const ERRNO_WORDS: Record<string, string> = {
  EROFS: 'read-only folder (the file system is mounted read-only)',
  EACCES: 'read-only folder (permission denied)',
  EPERM: 'read-only folder (operation not permitted)',
  ENOSPC: 'disk full (no space left on the device)',
  EDQUOT: 'disk full (disk quota exceeded)',
  EFBIG: 'file too large for this file system',
  ENOTDIR: 'not a folder (a part of the path is a regular file)',
  EISDIR: 'a folder is in the way of the file',
  ENOENT: 'no such folder',
  EMFILE: 'too many open files',
  EIO: 'input/output error (the disk failed)',
};

/** "cannot write out/x.eml: disk full (no space left on the device) [ENOSPC]" */
export function describeFsError(error: unknown, path: string, verb = 'write'): string {
  const e = error as NodeJS.ErrnoException;
  const code = e.code ?? '';
  const words = ERRNO_WORDS[code] ?? e.message ?? String(error);
  return `cannot ${verb} ${path}: ${words}${code ? ` [${code}]` : ''}`;
}

/** An fs error with the path it happened on; the caller names both to the operator. */
export class FileWriteError extends Error {
  override readonly name = 'FileWriteError';
  constructor(
    readonly path: string,
    cause: unknown,
    verb = 'write',
  ) {
    super(describeFsError(cause, path, verb), { cause });
  }
}

/** Writes a whole file and flushes it to the disk (fsync) before returning. */
export function writeFileDurably(path: string, data: Buffer | string, mode = 0o600): void {
  let fd: number;
  try {
    fd = openSync(path, 'w', mode);
  } catch (error) {
    throw new FileWriteError(path, error);
  }
  try {
    const buffer = typeof data === 'string' ? Buffer.from(data) : data;
    for (let offset = 0; offset < buffer.length; ) offset += writeSync(fd, buffer, offset);
    fsyncSync(fd);
  } catch (error) {
    throw new FileWriteError(path, error);
  } finally {
    closeSync(fd);
  }
}

/** Flushes a folder's entries (new and renamed files) to the disk. */
export function fsyncFolder(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch (error) {
    throw new FileWriteError(dir, error, 'flush');
  }
  try {
    fsyncSync(fd);
  } catch (error) {
    throw new FileWriteError(dir, error, 'flush');
  } finally {
    closeSync(fd);
  }
}

/**
 * The files of one unit of work (a prepare chunk): each is written and
 * flushed; `undo` removes the new ones and puts back any file it replaced,
 * `keep` drops the kept copies. Used so that a rolled-back chunk leaves no file.
 */
export class FileBatch {
  private readonly written: string[] = [];
  private readonly replaced: { path: string; backup: string }[] = [];

  constructor(private readonly dir: string) {}

  write(name: string, data: Buffer | string): void {
    const path = join(this.dir, name);
    if (existsSync(path)) {
      const backup = join(this.dir, `.${name}.replaced`);
      try {
        renameSync(path, backup);
      } catch (error) {
        throw new FileWriteError(path, error, 'replace');
      }
      this.replaced.push({ path, backup });
    }
    this.written.push(path); // before the write: a partial file is removed too
    writeFileDurably(path, data);
  }

  get size(): number {
    return this.written.length;
  }

  /** Removes what this batch wrote and restores what it replaced; never throws. */
  undo(): void {
    for (const path of this.written) {
      try {
        rmSync(path, { force: true });
      } catch {
        // nothing was written there (a read-only folder)
      }
    }
    for (const { path, backup } of this.replaced) {
      try {
        renameSync(backup, path);
      } catch {
        // the backup stays next to it, named .<file>.replaced
      }
    }
  }

  keep(): void {
    for (const { backup } of this.replaced) rmSync(backup, { force: true });
  }
}
