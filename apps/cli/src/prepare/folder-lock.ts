import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ExitError } from '../exit-error.js';
import { createFolder, FileWriteError } from './durable-files.js';

/** The lock file a prepare holds inside its folder while it runs. */
export const PREPARE_LOCK_FILE = '.prepare.lock';

/** A lock file that cannot be read as an owner and is older than this is left from a crash (30 s). */
const UNREADABLE_LOCK_STALE_MS = 30_000;

interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
}

function readOwner(path: string): LockOwner | null | 'gone' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'gone' : null;
  }
  try {
    const owner = JSON.parse(text) as Partial<LockOwner>;
    return typeof owner.pid === 'number' && typeof owner.host === 'string' ? ({ startedAt: '?', ...owner } as LockOwner) : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}

/** Left by a process that no longer runs: on this machine with a dead pid, or unreadable and old. */
function isStale(path: string, owner: LockOwner | null): boolean {
  if (owner) return owner.host === hostname() && !isAlive(owner.pid);
  try {
    return Date.now() - statSync(path).mtimeMs > UNREADABLE_LOCK_STALE_MS;
  } catch {
    return true;
  }
}

/**
 * Creates `dir` if needed and takes its prepare lock, so that one prepare at
 * a time writes into a folder: two at once each rewrote manifest.json with
 * their own invites only (the last one won, and dispatch then sent half the
 * folder with exit 0), and failed.csv and preview/ with their own rows. A
 * lock left by a killed prepare (its pid no longer runs on this machine) is
 * taken over. Returns the release. Throws ExitError(1) naming the holder.
 *
 * Two prepares that both find the same stale lock in the same instant could
 * both take it over: that needs a crash first, then two starts at once.
 */
export function lockPrepareFolder(dir: string): () => void {
  try {
    createFolder(dir);
  } catch (error) {
    throw new ExitError(1, `${(error as Error).message}\nNothing was written.`);
  }
  const path = join(dir, PREPARE_LOCK_FILE);
  const me: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST')
        throw new ExitError(1, `${new FileWriteError(path, error).message}\nNothing was written.`);
      const owner = readOwner(path);
      if (attempt < 3 && owner === 'gone') continue; // released meanwhile
      if (attempt < 3 && owner !== 'gone' && isStale(path, owner)) {
        rmSync(path, { force: true });
        continue;
      }
      const who = owner && owner !== 'gone' ? `pid ${owner.pid} on ${owner.host}, started ${owner.startedAt}` : 'owner unknown';
      throw new ExitError(
        1,
        `${dir} is being prepared by another process (${who}): one prepare at a time per folder. ` +
          `Wait for it to end, or prepare into another folder (--out). If no such process runs, remove ${path}. Nothing was written.`,
      );
    }
    try {
      writeSync(fd, JSON.stringify(me));
    } catch (error) {
      rmSync(path, { force: true });
      throw new ExitError(1, `${new FileWriteError(path, error).message}\nNothing was written.`);
    } finally {
      closeSync(fd);
    }
    return () => rmSync(path, { force: true });
  }
}
