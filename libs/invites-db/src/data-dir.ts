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
 * When the database folder, or a folder above it, is a link to a folder that is not there (a database moved
 * to another disk and linked back, that disk not mounted): what to say, else null. It was "not created yet:
 * run 'veza-beta db migrate'", and db migrate said "ENOENT … mkdir": an operator who removed the link to
 * migrate made a second, empty database while the real one waited on its disk. The link may be VEZA_DATA_DIR
 * itself (`.veza` linked to the disk), and may lead to another link: the folder named is the one missing.
 */
export function dataDirLinkGone(dir: string): string | null {
  if (!dataDirMissing(dir)) return null;
  for (let path = resolve(dir); dirname(path) !== path; path = dirname(path)) {
    let link: boolean;
    try {
      link = lstatSync(path).isSymbolicLink();
    } catch {
      continue; // not there: the folder above may be the link
    }
    if (!link || !dataDirMissing(path)) return null; // a folder (or a live link): what is missing is below it
    const to = linkEnd(path);
    if (to === null) return null; // not a link after all (gone meanwhile)
    return `${path === resolve(dir) ? 'it' : path} is a link to ${to}, which is not there (its disk not mounted, or the folder moved): mount it or fix the link; no database was made`;
  }
  return null;
}

/** Where a chain of links ends (the first path that is not a link), or null when `path` is no link. */
function linkEnd(path: string): string | null {
  let to = path;
  for (let hops = 0; hops < 40; hops++) {
    try {
      if (!lstatSync(to).isSymbolicLink()) return to;
      to = resolve(dirname(to), readlinkSync(to));
    } catch {
      return hops === 0 ? null : to; // not there: the end
    }
  }
  return to; // a loop of links: the last one read
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
