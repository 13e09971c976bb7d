import { resolve } from 'node:path';
import {
  DEFAULT_DATA_DIR,
  DatabaseNotMigratedError,
  dataDirMissing,
  assertMigrated,
  openDatabase,
  openOptionsFromEnv,
} from '@veza/invites-db';
import type { Connection } from '@veza/invites-db';
import { cliSettings } from './env.js';

/** Opens the database the environment names (DATABASE_URL, else the embedded one), runs `work`, always closes. */
export async function withDatabase<T>(
  env: NodeJS.ProcessEnv,
  work: (conn: Connection) => Promise<T>,
  options: { requireMigrated?: boolean } = {},
): Promise<T> {
  const open = openOptionsFromEnv(env);
  const dataDir = open.dataDir ?? DEFAULT_DATA_DIR;
  // A read or write on an embedded database that was never created: say so, do not create an empty one.
  if ((options.requireMigrated ?? true) && !open.databaseUrl && dataDirMissing(dataDir)) {
    throw new DatabaseNotMigratedError(`embedded database ${resolve(dataDir)} (not created yet)`);
  }
  const conn = await openDatabase({ ...open, ...databaseDeadlines(env) });
  try {
    if (options.requireMigrated ?? true) await assertMigrated(conn);
    return await work(conn);
  } finally {
    await conn.close();
  }
}

/** Default of DATABASE_STALL_TIMEOUT, in seconds (30). */
export const DATABASE_STALL_TIMEOUT_S = 30;

/**
 * A command's own deadlines on PostgreSQL, DATABASE_STALL_TIMEOUT seconds (30):
 * a server that stops answering (the command was silent for minutes and went
 * on only when it came back) ends the command with a reason, and a lock that
 * another session keeps ends the statement that waits for it (lock_timeout).
 * Not the connection's first answer: that is connect_timeout's. A bad value is
 * a settings error (exit 3), with the CLI's other settings.
 */
export function databaseDeadlines(env: NodeJS.ProcessEnv): {
  stallDeadlineMs: number;
  lockTimeoutMs: number;
  onStall: (reason: string) => void;
} {
  const seconds = cliSettings(env).DATABASE_STALL_TIMEOUT ?? DATABASE_STALL_TIMEOUT_S;
  return {
    stallDeadlineMs: seconds * 1_000,
    lockTimeoutMs: seconds * 1_000,
    onStall: (reason) => process.stderr.write(`veza-beta: ${reason}\n`),
  };
}
