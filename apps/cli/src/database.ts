import { dirname, join, resolve } from 'node:path';
import {
  DEFAULT_DATA_DIR,
  DatabaseNotMigratedError,
  dataDirLinkGone,
  dataDirMissing,
  dataDirSetting,
  assertMigrated,
  openDatabase,
  openOptionsFromEnv,
} from '@veza/invites-db';
import type { Connection, OpenOptions } from '@veza/invites-db';
import { cliSettings } from './env.js';

/**
 * Where the operator's embedded database is when the working directory has
 * none: the CLI in a subfolder of the one it was used in (a cohort folder)
 * looked for `.veza/db` there, and said only "not created yet, run 'veza-beta
 * db migrate'", which would make a second, empty database. Null when no
 * folder above holds one.
 */
export function embeddedDatabaseAbove(cwd: string = process.cwd()): string | null {
  for (let dir = dirname(resolve(cwd)); ; dir = dirname(dir)) {
    const found = join(dir, DEFAULT_DATA_DIR);
    if (!dataDirMissing(found))
      return `an embedded database is in ${found}, above this folder: run the command from ${dir}, or set ${dataDirSetting(dirname(found))}`;
    if (dirname(dir) === dir) return null;
  }
}

/**
 * The embedded database `open` names, when it was never created: its folder, and an embedded database above
 * this folder when `open` names the default one (embeddedDatabaseAbove). Null for PostgreSQL, for a database
 * that exists, and for a link to a folder not there (not "never created": openDatabase says what it is).
 */
export function embeddedNotCreated(open: OpenOptions): { dataDir: string; above: string | null } | null {
  const dataDir = resolve(open.dataDir ?? DEFAULT_DATA_DIR);
  if (open.databaseUrl || !dataDirMissing(dataDir) || dataDirLinkGone(dataDir)) return null;
  return { dataDir, above: open.dataDir === undefined ? embeddedDatabaseAbove() : null };
}

/** Opens the database the environment names (DATABASE_URL, else the embedded one), runs `work`, always closes. */
export async function withDatabase<T>(
  env: NodeJS.ProcessEnv,
  work: (conn: Connection) => Promise<T>,
  options: { requireMigrated?: boolean } = {},
): Promise<T> {
  const open = openOptionsFromEnv(env);
  // A read or write on an embedded database that was never created: say so, do not create an empty one.
  const missing = embeddedNotCreated(open);
  if (missing) {
    // said before `db migrate` makes a second one here, too
    if (missing.above) process.stderr.write(`veza-beta: ${missing.above}\n`);
    if (options.requireMigrated ?? true) throw new DatabaseNotMigratedError(`embedded database ${missing.dataDir} (not created yet)`);
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

/**
 * The env for a command that runs the gates (`gates check`, `decision report`):
 * with neither DATABASE_URL nor VEZA_DATA_DIR set, the CLI's embedded
 * database in .veza/ when it exists. Only when unset: a blank VEZA_DATA_DIR
 * (`VEZA_DATA_DIR=$DATA`, that variable missing from the shell) is left
 * blank, so the settings refuse it (exit 3) as every other command does; read
 * as unset here, the gates and the report ran on the working directory's
 * .veza/, exit 0.
 */
export function withCliDataDir(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (env['DATABASE_URL'] !== undefined || env['VEZA_DATA_DIR'] !== undefined || dataDirMissing(DEFAULT_DATA_DIR)) return { ...env };
  return { ...env, VEZA_DATA_DIR: resolve(DEFAULT_DATA_DIR, '..') };
}
