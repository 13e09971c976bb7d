import { linkSync, mkdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { InvitesDbError } from './errors.js';

/** Who holds a lock file: written whole into it when it is taken. */
export interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
  /** Linux: the holder's start time in clock ticks since boot (/proc/PID/stat), which tells a reused pid apart */
  processStart?: string;
  /** the lock file the holder took (absolute): another path means this lock file was copied or moved with its folder */
  path?: string;
}

/** A lock file that cannot be read as a holder and is older than this is left from a crash (30 s). */
const UNREADABLE_STALE_MS = 30_000;
/** A takeover in progress older than this was abandoned by a killed process (10 s). */
const TAKEOVER_STALE_MS = 10_000;

/**
 * The lock files this process holds (a second open in the same process is refused too), by their folder's
 * identity (device and inode) and name: a folder named two ways (through a link, relative, a bind mount) is one.
 * By the path as given, a second open through a link read its own pid in the file, found nothing held here by
 * that name, and took the lock over as an earlier life's: two embedded databases on one folder in one process.
 */
const heldHere = new Set<string>();

function heldKey(path: string): string {
  try {
    const folder = statSync(dirname(path));
    // its birth time too: a folder deleted with a lock held here and made again (a test's temporary folder)
    // often gets the same inode, and was refused as 'held earlier in this process'
    return `${folder.dev}:${folder.ino}:${folder.birthtimeMs}/${basename(path)}`;
  } catch {
    return resolve(path); // no folder: the draft's write fails next, with the folder's own error
  }
}

/** Linux: a process's start time (field 22 of /proc/PID/stat), or undefined elsewhere. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}

function readRaw(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** The holder a lock file names, or null when it names none (garbage); a bare pid is the older format. */
function parseHolder(raw: string): LockHolder | null {
  if (/^\s*\d+\s*$/.test(raw)) return { pid: Number(raw), host: hostname(), startedAt: '?' };
  try {
    const holder = JSON.parse(raw) as Partial<LockHolder>;
    return typeof holder.pid === 'number' && typeof holder.host === 'string'
      ? { startedAt: '?', ...holder, pid: holder.pid, host: holder.host }
      : null;
  } catch {
    return null;
  }
}

/** Whether the holder is still running: on another machine it cannot be told, so it is. */
function holderRuns(key: string, holder: LockHolder): boolean {
  if (holder.host !== hostname()) return true;
  if (holder.pid === process.pid) return heldHere.has(key); // else: an earlier process with this pid (a restarted container)
  if (!alive(holder.pid)) return false;
  const now = holder.processStart === undefined ? undefined : processStart(holder.pid);
  return now === undefined || now === holder.processStart; // another start time: the pid was reused
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return Infinity;
  }
}

/**
 * Removes a stale lock file, only if it still holds `staleRaw`, under a
 * takeover mark (a folder, created atomically): two processes that both found
 * the same stale lock cannot remove each other's fresh one. False when
 * another takeover is under way (try again).
 */
function removeStale(path: string, staleRaw: string): boolean {
  const mark = `${path}.takeover`;
  try {
    mkdirSync(mark);
  } catch {
    if (ageMs(mark) > TAKEOVER_STALE_MS) rmSync(mark, { recursive: true, force: true });
    return false;
  }
  try {
    if (readRaw(path) === staleRaw) rmSync(path, { force: true });
    return true;
  } finally {
    rmdirSync(mark);
  }
}

/** The lock is held by a running process (`holder`, or an unknown one when the file names none). INVITES_LOCK_HELD. */
export class LockHeldError extends InvitesDbError {
  override readonly name = 'LockHeldError';
  constructor(
    readonly path: string,
    readonly holder: LockHolder | null,
  ) {
    super(
      'INVITES_LOCK_HELD',
      `${path} is held by ${holder ? `process ${holder.pid} on ${holder.host} (since ${holder.startedAt})` : 'an unknown process'}`,
    );
  }
}

/**
 * Takes a lock file that names its holder (pid, machine, start), so that one
 * process at a time works on what it guards; returns its release. Throws
 * LockHeldError while a running process holds it, or an fs error (EROFS,
 * ENOSPC…) when it cannot be written. The file is written whole and then
 * linked into place, so it never exists empty; a lock whose holder no longer
 * runs on this machine (a dead pid, a pid reused by another process, this
 * process's own pid from an earlier life) is taken over, one taker at a time.
 */
export function acquirePidLock(path: string): () => void {
  const key = heldKey(path);
  if (heldHere.has(key)) throw new LockHeldError(path, { pid: process.pid, host: hostname(), startedAt: 'earlier in this process' });
  const start = processStart(process.pid);
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    ...(start ? { processStart: start } : {}),
    path: resolve(path),
  };
  const mine = JSON.stringify(me);
  const draft = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(draft, mine, { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        linkSync(draft, path);
        heldHere.add(key);
        let released = false;
        return () => {
          // once: a second call forgot a later open's lock held here, which a third open then took over
          if (released) return;
          released = true;
          heldHere.delete(key);
          if (readRaw(path) === mine) rmSync(path, { force: true });
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const raw = readRaw(path);
      if (raw === null) continue; // released meanwhile
      const holder = parseHolder(raw);
      if (holder ? holderRuns(key, holder) : ageMs(path) < UNREADABLE_STALE_MS) throw new LockHeldError(path, holder);
      if (!removeStale(path, raw)) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5); // another taker is at it
    }
    throw new LockHeldError(path, parseHolder(readRaw(path) ?? ''));
  } finally {
    rmSync(draft, { force: true });
  }
}
