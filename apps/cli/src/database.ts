import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_DATA_DIR, DatabaseNotMigratedError, assertMigrated, openDatabase, openOptionsFromEnv } from '@veza/invites-db';
import type { Connection } from '@veza/invites-db';

/** Opens the database the environment names (DATABASE_URL, else the embedded one), runs `work`, always closes. */
export async function withDatabase<T>(
  env: NodeJS.ProcessEnv,
  work: (conn: Connection) => Promise<T>,
  options: { requireMigrated?: boolean } = {},
): Promise<T> {
  const open = openOptionsFromEnv(env);
  const dataDir = open.dataDir ?? DEFAULT_DATA_DIR;
  // A read or write on an embedded database that was never created: say so, do not create an empty one.
  if ((options.requireMigrated ?? true) && !open.databaseUrl && !existsSync(dataDir)) {
    throw new DatabaseNotMigratedError(`embedded database ${resolve(dataDir)} (not created yet)`);
  }
  const conn = await openDatabase(open);
  try {
    if (options.requireMigrated ?? true) await assertMigrated(conn);
    return await work(conn);
  } finally {
    await conn.close();
  }
}
