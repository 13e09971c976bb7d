import { join } from 'node:path';
import { acquirePidLock, LockHeldError } from '@veza/invites-db';
import { ExitError } from '../exit-error.js';
import { createFolder, FileWriteError, folderOpenToOthers } from './durable-files.js';

/** The lock file a prepare holds inside its folder while it runs. */
export const PREPARE_LOCK_FILE = '.prepare.lock';

/**
 * Creates `dir` if needed and takes its prepare lock, so that one prepare at
 * a time writes into a folder: two at once each rewrote manifest.json with
 * their own invites only (the last one won, and dispatch then sent half the
 * folder with exit 0), and failed.csv and preview/ with their own rows. A
 * lock left by a killed prepare is taken over (acquirePidLock, the lock of
 * the embedded database). Returns the release. Throws ExitError(1) naming
 * the holder.
 */
export function lockPrepareFolder(dir: string): () => void {
  try {
    createFolder(dir);
  } catch (error) {
    throw new ExitError(1, `${(error as Error).message}\nNothing was written.`);
  }
  const open = folderOpenToOthers(dir);
  if (open) throw new ExitError(1, `${open}\nNothing was written.`);
  const path = join(dir, PREPARE_LOCK_FILE);
  try {
    return acquirePidLock(path);
  } catch (error) {
    if (!(error instanceof LockHeldError)) throw new ExitError(1, `${new FileWriteError(path, error).message}\nNothing was written.`);
    const who = error.holder ? `pid ${error.holder.pid} on ${error.holder.host}, started ${error.holder.startedAt}` : 'owner unknown';
    throw new ExitError(
      1,
      `${dir} is being prepared by another process (${who}): one prepare at a time per folder. ` +
        `Wait for it to end, or prepare into another folder (--out). If no such process runs, remove ${path}. Nothing was written.`,
    );
  }
}
