import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  statfsSync,
  statSync,
  writeSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

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
  EEXIST: 'a file of that name is in the way (not a folder)',
  EMFILE: 'too many open files (the open-file limit, ulimit -n, is too low: raise it)',
  EIO: 'input/output error (the disk failed)',
  // Node's message repeats the path, 4 KB of it here
  ENAMETOOLONG: 'path too long (over 4,095 bytes, or a name over 255): use a shorter one',
  ELOOP: 'too many symbolic links (a link that leads back to itself?)',
};

/**
 * The soft limit `name` of /proc/self/limits ("Max file size"), or null when
 * there is none or Linux does not say. Read when an error is described, not
 * at start: prlimit can change it while the process runs.
 */
export function processLimit(name: string, limits = () => readFileSync('/proc/self/limits', 'utf8')): number | null {
  let value: string | undefined;
  try {
    value = new RegExp(`^${name}\\s+(\\S+)`, 'm').exec(limits())?.[1];
  } catch {
    return null;
  }
  const n = Number(value);
  return value && value !== 'unlimited' && Number.isFinite(n) ? n : null;
}

/**
 * ENOSPC on a file system that has space but no free inode left (a tmpfs
 * with nr_inodes, a disk of many small files): "disk full" sent the operator
 * to df -h, which shows free space. The nearest existing folder of `path` is asked.
 */
function outOfInodes(path: string): boolean {
  let dir = resolve(path);
  for (;;) {
    try {
      const fs = statfsSync(dir);
      return fs.files > 0 && fs.ffree === 0 && fs.bavail > 0;
    } catch {
      if (dirname(dir) === dir) return false;
      dir = dirname(dir);
    }
  }
}

/** The words for an errno on `path`, with what the machine's limits add to them. */
function errnoWords(code: string, path: string): string | undefined {
  if (code === 'EFBIG') {
    // a file-size limit (ulimit -f) gives EFBIG (Node ignores the SIGXFSZ that would have killed the process)
    const limit = processLimit('Max file size');
    if (limit !== null)
      return `file larger than this process may write: the file-size limit is ${limit} bytes (ulimit -f): raise it (ulimit -f unlimited)`;
  }
  if (code === 'ENOSPC' && outOfInodes(path))
    return 'no free inode left on its file system: it holds as many files as it can, though it has space (df -i): free some files or use another disk';
  return ERRNO_WORDS[code];
}

/** "cannot write out/x.eml: disk full (no space left on the device) [ENOSPC]" */
export function describeFsError(error: unknown, path: string, verb = 'write'): string {
  const e = error as NodeJS.ErrnoException;
  const code = e.code ?? '';
  const words = errnoWords(code, path) ?? e.message ?? String(error);
  return `cannot ${verb} ${path}: ${words}${code ? ` [${code}]` : ''}`;
}

/**
 * Creates a folder and its parents (mode `mode`), or throws FileWriteError
 * with the real reason. Node's recursive mkdir reports ENOENT when a missing
 * parent cannot be created (a read-only file system gives ENOENT, not EROFS):
 * the first missing parent is then created alone, which fails with the cause.
 */
export function createFolder(path: string, mode = 0o700): void {
  try {
    mkdirSync(path, { recursive: true, mode });
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new FileWriteError(path, error, 'create the folder');
    let first = resolve(path);
    while (!existsSync(dirname(first)) && dirname(first) !== first) first = dirname(first);
    try {
      mkdirSync(first, { mode });
    } catch (cause) {
      throw new FileWriteError(path, cause, 'create the folder');
    }
    rmdirSync(first);
    throw new FileWriteError(path, error, 'create the folder');
  }
}

/**
 * Why veza-beta must not write into a folder that others can write into, or
 * null: one owned by another user, or writable by everyone (the sticky bit
 * does not stop anyone adding a name). Whoever can add names there can put a
 * symbolic link where veza-beta writes a file (a manifest's draft, dispatch.log)
 * and have it overwrite or append to any file this user may write: as root,
 * /etc/shadow. A group-writable folder of the operator's is accepted (Debian's
 * umask 002 makes every folder so, with a group of one). POSIX only.
 */
export function folderOpenToOthers(dir: string): string | null {
  const uid = process.getuid?.();
  if (uid === undefined) return null;
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(dir);
  } catch {
    return null; // not there: whoever writes into it says why
  }
  const why =
    st.uid !== uid
      ? `belongs to another user (uid ${st.uid}; veza-beta runs as uid ${uid})`
      : (st.mode & 0o002) !== 0
        ? `can be written by every user (mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')})`
        : null;
  if (!why) return null;
  return (
    `${dir} ${why}: whoever can add files there can make veza-beta's writes land in another file ` +
    `(a symbolic link named like the file it writes), so nothing is written there. ` +
    (st.uid !== uid ? 'Use a folder of your own (--out), or run as its owner.' : `Use a folder of your own, or: chmod o-w ${dir}`)
  );
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
    for (let offset = 0; offset < buffer.length;) offset += writeSync(fd, buffer, offset);
    fsyncSync(fd);
  } catch (error) {
    throw new FileWriteError(path, error);
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces files as one step each, all or none of their contents: every new
 * content is written and flushed beside its file first (`.<name>.tmp`), and
 * only when all are whole are they renamed over the old ones, then the
 * folders flushed. A full disk or a kill leaves the old files as they were,
 * never a cut one (a decision.html cut at 16 KB passed for today's report).
 */
export function replaceFiles(files: readonly { path: string; data: Buffer | string; mode?: number }[]): void {
  const drafts = files.map(({ path }) => join(dirname(path), `.${basename(path)}.tmp`));
  let writing = 0;
  try {
    for (; writing < files.length; writing++) writeFileDurably(drafts[writing]!, files[writing]!.data, files[writing]!.mode);
  } catch (error) {
    for (const draft of drafts) rmSync(draft, { force: true });
    // named as the operator knows it (failed.csv, decision.html), not as its short-lived draft
    throw new FileWriteError(files[writing]!.path, error instanceof FileWriteError ? error.cause : error);
  }
  files.forEach(({ path }, i) => {
    try {
      renameSync(drafts[i]!, path);
    } catch (error) {
      for (const draft of drafts) rmSync(draft, { force: true });
      throw new FileWriteError(path, error, 'replace');
    }
  });
  for (const dir of new Set(files.map(({ path }) => dirname(path)))) fsyncFolder(dir);
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
 * Files of a batch written but not yet flushed, at most (256 files): each
 * stays open until its fsync (the descriptor that wrote it, so a writeback
 * error is reported to it), which bounds the open descriptors whatever the
 * chunk size.
 */
export const FLUSH_GROUP_FILES = 256;

/**
 * Files being created and written at once (16 files). Creating a file costs a
 * journal update that can wait behind other processes' disk flushes (1–2 ms
 * on a busy disk); on the thread pool the waits overlap each other and the
 * rendering of the next emails.
 */
export const WRITES_IN_FLIGHT = 16;

/**
 * Descriptors left to everything else while a batch holds its files open (64):
 * the database connection, the dispatch that `invites send` overlaps with
 * prepare (SMTP sockets, SEND_CMD pipes), libuv, the terminal.
 */
const OTHER_DESCRIPTORS = 64;

/**
 * How many written files a batch may hold open before it flushes them: at most
 * FLUSH_GROUP_FILES, fewer when the process's open-file limit leaves less room
 * (a hard `ulimit -n 256` failed every chunk with EMFILE, 256 + 16 files open).
 * Linux tells the limit and the open descriptors in /proc; elsewhere Node has
 * already raised the soft limit to the hard one, which is large.
 */
export function flushGroupFiles(): number {
  let limit: number;
  let open: number;
  try {
    const line = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (!line) return FLUSH_GROUP_FILES;
    limit = Number(line[1]);
    open = readdirSync('/proc/self/fd').length;
  } catch {
    return FLUSH_GROUP_FILES;
  }
  return Math.max(1, Math.min(FLUSH_GROUP_FILES, limit - open - WRITES_IN_FLIGHT - OTHER_DESCRIPTORS));
}

/**
 * The files of one unit of work (a prepare chunk). `write` creates and writes
 * a file in the background (a few at once); `flush` waits for them, fsyncs
 * them concurrently (the disk commits them together instead of one journal
 * commit per file), then fsyncs the folder: only then may the caller commit
 * what refers to them. `undo` removes the new files and puts back any file
 * one replaced, `keep` drops the kept copies. Used so that a rolled-back
 * chunk leaves no file.
 */
export class FileBatch {
  /** files this batch created (undo removes them) */
  private readonly written: string[] = [];
  /** calls to write */
  private started = 0;
  private readonly replaced: { path: string; backup: string }[] = [];
  /** written (or being written), not yet flushed */
  private unflushed: { path: string; handle: FileHandle }[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private failure: FileWriteError | undefined;
  private readonly groupFiles = flushGroupFiles();

  constructor(private readonly dir: string) {}

  /** Starts writing a whole file (0600); throws the first write failure of the batch. */
  async write(name: string, data: Buffer | string): Promise<void> {
    this.throwIfFailed();
    this.started++;
    const path = join(this.dir, name);
    const task: Promise<void> = this.writeOne(name, path, data)
      .catch((error: unknown) => {
        this.failure ??= error instanceof FileWriteError ? error : new FileWriteError(path, error);
      })
      .finally(() => this.inFlight.delete(task));
    this.inFlight.add(task);
    if (this.inFlight.size >= Math.min(WRITES_IN_FLIGHT, this.groupFiles)) await Promise.race(this.inFlight);
    if (this.unflushed.length >= this.groupFiles) await this.flushFiles();
    this.throwIfFailed();
  }

  /** The first failed write of the batch, thrown at the next call. */
  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  /**
   * Creates the file only if no file of that name is there (O_EXCL: no check
   * before, one system call fewer per file, and a symbolic link in its place
   * is never followed). A file of that name (a reissued invite's old .eml) is
   * set aside until the batch is kept or undone.
   */
  private async writeOne(name: string, path: string, data: Buffer | string): Promise<void> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'wx', 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new FileWriteError(path, error);
      const backup = join(this.dir, `.${name}.replaced`);
      try {
        renameSync(path, backup);
      } catch (cause) {
        throw new FileWriteError(path, cause, 'replace');
      }
      this.replaced.push({ path, backup });
      try {
        handle = await open(path, 'wx', 0o600);
      } catch (cause) {
        throw new FileWriteError(path, cause);
      }
    }
    this.written.push(path); // created by this batch, before the write: a partial file is removed too
    this.unflushed.push({ path, handle });
    try {
      await handle.writeFile(data);
    } catch (error) {
      throw new FileWriteError(path, error);
    }
  }

  /** Waits for the writes, fsyncs every file (concurrently), then the folder: after it, the batch is on the disk. */
  async flush(): Promise<void> {
    await this.flushFiles();
    if (this.written.length > 0) fsyncFolder(this.dir);
  }

  private async flushFiles(): Promise<void> {
    await Promise.all(this.inFlight);
    this.throwIfFailed();
    const group = this.unflushed;
    this.unflushed = [];
    const results = await Promise.allSettled(group.map(({ handle }) => handle.sync()));
    await Promise.allSettled(group.map(({ handle }) => handle.close()));
    const failed = results.findIndex((r) => r.status === 'rejected');
    if (failed >= 0) throw new FileWriteError(group[failed]!.path, (results[failed] as PromiseRejectedResult).reason, 'flush');
  }

  /** Files asked for so far. */
  get size(): number {
    return this.started;
  }

  /** Removes what this batch wrote (once its writes have stopped) and restores what it replaced; never throws. */
  async undo(): Promise<void> {
    await Promise.allSettled(this.inFlight);
    await Promise.allSettled(this.unflushed.map(({ handle }) => handle.close()));
    this.unflushed = [];
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
