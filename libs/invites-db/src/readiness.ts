import { sql } from 'drizzle-orm';
import type { Connection } from './connect.js';
import { rowsOf, withDbErrors } from './db-errors.js';
import { DatabaseNotMigratedError } from './errors.js';

/** Throws INVITES_DB_NOT_MIGRATED unless beta_invites exists; INVITES_DB_UNREACHABLE when the database does not answer. */
export async function assertMigrated(conn: Connection): Promise<void> {
  const rows = rowsOf<{ t: string | null }>(
    await withDbErrors(() => conn.db.execute(sql`SELECT to_regclass('beta_invites')::text AS t`)),
  );
  if (!rows[0]?.t) throw new DatabaseNotMigratedError(conn.target);
}
