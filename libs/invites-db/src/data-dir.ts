import { lstatSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { userInfo } from 'node:os';

/**
 * Whether the embedded database's folder is certainly not there. A folder this
 * user cannot look into (another user's `.veza/`, mode 0700) is not missing:
 * `existsSync` said false there, and commands answered "not created yet, run
 * 'veza-beta db migrate'" about a database full of invites.
 */
export function dataDirMissing(dir: string): boolean {
  try {
    statSync(dir);
    return false;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR';
  }
}

/**
 * When the database folder is a link to a folder that is not there (a database moved to another disk and
 * linked back, that disk not mounted): what to say, else null. It was "not created yet: run 'veza-beta db
 * migrate'", and db migrate said "ENOENT … mkdir": an operator who removed the link to migrate made a second,
 * empty database while the real one waited on its disk.
 */
export function dataDirLinkGone(dir: string): string | null {
  try {
    if (!lstatSync(dir).isSymbolicLink()) return null;
    statSync(dir);
    return null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') return null;
    let to: string;
    try {
      to = resolve(dirname(dir), readlinkSync(dir));
    } catch {
      return null; // not a link after all (gone meanwhile)
    }
    return `it is a link to ${to}, which is not there (its disk not mounted, or the folder moved): mount it or fix the link; no database was made`;
  }
}

/** The name of user `uid` (from /etc/passwd), else `uid N`. */
function userName(uid: number): string {
  try {
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((entry) => entry.split(':')[2] === String(uid));
    if (line) return line.split(':')[0]!;
  } catch {
    // no passwd file: the number says it
  }
  return `uid ${uid}`;
}

/** Who owns `dir`, or the nearest folder above it this user can see. */
function ownerOf(dir: string): string | null {
  for (let path = dir; ; path = dirname(path)) {
    try {
      return userName(statSync(path).uid);
    } catch {
      if (dirname(path) === path) return null;
    }
  }
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}

/**
 * What to do when the embedded database's folder cannot be made or set up
 * (mkdir, chmod, the lock file): PGlite writes even to read, so a read-only
 * file system or another user's folder stops every command. Null for other
 * errors.
 */
export function dataDirAdvice(error: unknown, dir: string): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'EROFS')
    return 'the folder is on a read-only file system, and the embedded database writes even to read: copy the folder to a writable place and set VEZA_DATA_DIR to the folder holding its db/, or mount it read-write';
  if (code === 'EACCES' || code === 'EPERM') {
    const owner = ownerOf(dir);
    const me = currentUser();
    return `this command runs as ${me}${owner && owner !== me ? ` and the folder (or one above it) belongs to ${owner}: run it as ${owner}` : ', which may not write there: run it as the user who owns the folder'}, or set VEZA_DATA_DIR to a folder of yours`;
  }
  return null;
}

/** Whether two paths name one folder (another spelling, a symlink): a lock naming the other is not from a copy. */
export function sameFolder(a: string, b: string): boolean {
  try {
    const [x, y] = [statSync(a), statSync(b)];
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false; // gone: the folder was moved
  }
}

/** What a data folder's PG_VERSION says, or null when it has none (a new folder). */
export function folderPostgresVersion(dir: string): string | null {
  try {
    return readFileSync(join(dir, 'PG_VERSION'), 'utf8').trim();
  } catch {
    return null;
  }
}
