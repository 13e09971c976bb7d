import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { Connection } from './connect.js';
import { decodeRows, withDbErrors } from './db-errors.js';
import { DatabaseNotMigratedError, DatabaseReadOnlyError, DatabaseUnreachableError } from './errors.js';
import { migrationStatus } from './migrate.js';

/**
 * Throws INVITES_DB_NOT_MIGRATED unless beta_invites exists; INVITES_DB_UNREACHABLE when the database does not answer.
 * What every command checks first: a read-only session or a role that may only read the invites passes.
 * Raw SQL: a catalogue lookup (to_regclass) on no table; decodeRows checks the answer.
 */
export async function assertMigrated(conn: Connection): Promise<void> {
  const result = await withDbErrors(() => conn.db.execute(sql`SELECT to_regclass('beta_invites')::text AS t`));
  const [row] = decodeRows(result, { t: 'string?' }, 'assertMigrated');
  if (!row?.t) throw new DatabaseNotMigratedError(conn.target);
}

/**
 * Whether a service that redeems can work on this database (readiness
 * probes): throws INVITES_DB_NOT_MIGRATED unless every migration of this
 * version is applied unedited (a database with only some of them, or the
 * shell scripts' own beta_invites, answered "ready" and then 500 on every
 * lookup), INVITES_DB_READ_ONLY when the session cannot write (a standby, a
 * read-only role: every redeem would fail), INVITES_DB_UNREACHABLE when the
 * database does not answer.
 */
export async function assertReady(conn: Connection): Promise<void> {
  // PGlite answers from its buffers after its folder is gone (rm -rf .veza, git clean -x): "ready", then 500 on every lookup
  if (conn.dataDir !== undefined && !existsSync(join(conn.dataDir, 'PG_VERSION')))
    throw new DatabaseUnreachableError(
      conn.target,
      new Error(
        'its folder is gone (deleted or moved while this process ran): stop this process, put the folder back (or a copy of it), and start it again',
      ),
    );
  const status = await withDbErrors(() => migrationStatus(conn));
  if (status.pending.length > 0 || status.edited.length > 0) throw new DatabaseNotMigratedError(conn.target, status);
  const result = await withDbErrors(() => conn.db.execute(sql`SELECT current_setting('transaction_read_only') AS ro`));
  const [row] = decodeRows(result, { ro: 'string' }, 'assertReady');
  if (row?.ro === 'on') throw new DatabaseReadOnlyError(conn.target);
}
