import { sql } from 'drizzle-orm';
import type { Connection } from './connect.js';
import { decodeRows, withDbErrors } from './db-errors.js';
import { DatabaseNotMigratedError, DatabaseReadOnlyError } from './errors.js';
import { migrationStatus } from './migrate.js';

/**
 * Whether a service can work on this database (readiness probes): throws
 * INVITES_DB_NOT_MIGRATED unless every migration of this version is applied
 * unedited (a database with only some of them, or the seed's own
 * beta_invites, answered "ready" and then 500 on every lookup),
 * INVITES_DB_READ_ONLY when the session cannot write (a redeem would fail),
 * INVITES_DB_UNREACHABLE when the database does not answer.
 */
export async function assertMigrated(conn: Connection): Promise<void> {
  const status = await withDbErrors(() => migrationStatus(conn));
  if (status.pending.length > 0 || status.edited.length > 0) throw new DatabaseNotMigratedError(conn.target, status);
  const result = await withDbErrors(() => conn.db.execute(sql`SELECT current_setting('transaction_read_only') AS ro`));
  const [row] = decodeRows(result, { ro: 'string' }, 'assertMigrated');
  if (row?.ro === 'on') throw new DatabaseReadOnlyError(conn.target);
}
