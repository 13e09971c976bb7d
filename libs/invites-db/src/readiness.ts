import { sql } from 'drizzle-orm';
import type { Connection } from './connect.js';
import { decodeRows, withDbErrors } from './db-errors.js';
import { DatabaseNotMigratedError } from './errors.js';

/**
 * Throws INVITES_DB_NOT_MIGRATED unless beta_invites exists; INVITES_DB_UNREACHABLE when the database does not answer.
 * Raw SQL: a catalogue lookup (to_regclass) on no table; decodeRows checks the answer.
 */
export async function assertMigrated(conn: Connection): Promise<void> {
  const result = await withDbErrors(() => conn.db.execute(sql`SELECT to_regclass('beta_invites')::text AS t`));
  const [row] = decodeRows(result, { t: 'string?' }, 'assertMigrated');
  if (!row?.t) throw new DatabaseNotMigratedError(conn.target);
}
