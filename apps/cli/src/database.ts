import { assertMigrated, openDatabase, openOptionsFromEnv } from '@veza/invites-db';
import type { Connection } from '@veza/invites-db';

/** Opens the database the environment names (DATABASE_URL, else the embedded one), runs `work`, always closes. */
export async function withDatabase<T>(
  env: NodeJS.ProcessEnv,
  work: (conn: Connection) => Promise<T>,
  options: { requireMigrated?: boolean } = {},
): Promise<T> {
  const conn = await openDatabase(openOptionsFromEnv(env));
  try {
    if (options.requireMigrated ?? true) await assertMigrated(conn);
    return await work(conn);
  } finally {
    await conn.close();
  }
}
