import { errorBrand } from '@veza/invite-rules';
/**
 * The errors of @veza/invites-db. Each has a stable `code`; the README lists
 * every code with what it means and what to do. Messages never contain an
 * invite code, a password or a full connection string.
 */
/** Every code this lib throws, in the order of the README's error table: a caller can switch on them. */
export const INVITES_DB_ERROR_CODES = Object.freeze([
  'INVITES_DB_UNREACHABLE',
  'INVITES_DB_BUSY',
  'INVITES_DB_NOT_MIGRATED',
  'INVITES_DB_READ_ONLY',
  'INVITES_MIGRATION_EDITED',
  'INVITES_DB_NEWER',
  'INVITES_MIGRATIONS_MISSING',
  'INVITES_MIGRATION_FAILED',
  'INVITES_CODE_MALFORMED',
  'INVITES_INVALID_INPUT',
  'INVITES_DB_UNEXPECTED_ROW',
  'INVITES_LOCK_HELD',
  'INVITES_DB_SERVER_TOO_OLD',
] as const);
export type InvitesDbErrorCode = (typeof INVITES_DB_ERROR_CODES)[number];

/** Marks this package's errors, so that `instanceof` holds across copies of it (errorBrand). */
const brand = errorBrand('@veza/invites-db');

export class InvitesDbError extends Error {
  override name = 'InvitesDbError';

  /** Also an error of another copy of this package (errorBrand). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return brand.hasInstance(this, InvitesDbError, value);
  }

  constructor(
    readonly code: InvitesDbErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    brand.mark(this);
  }
}

/** The database cannot be reached (refused, DNS, auth, timeout). */
export class DatabaseUnreachableError extends InvitesDbError {
  override name = 'DatabaseUnreachableError';
  constructor(target: string, cause: unknown) {
    const where = target === 'the database' ? 'the database' : `the database at ${target}`;
    super('INVITES_DB_UNREACHABLE', `cannot reach ${where}: ${describeCause(cause)}`, { cause });
  }
}

/** Another process holds the embedded database: PGlite is one process at a time. */
export class DatabaseBusyError extends InvitesDbError {
  override name = 'DatabaseBusyError';
  /** `copiedFrom`: the folder whose lock file this one is, when the folder was copied (or moved) while `pid` used it */
  constructor(dataDir: string, pid: number, lockFile?: string, copiedFrom?: string) {
    super(
      'INVITES_DB_BUSY',
      copiedFrom
        ? `the embedded database ${dataDir} was copied (or moved) from ${copiedFrom} while process ${pid || '(unknown)'} used it: its veza.lock came along, and a copy taken while a process writes may be inconsistent. Stop that process and copy the folder again${lockFile ? `; to use this copy as it is, remove ${lockFile}` : ''}`
        : pid === process.pid
          ? `the embedded database ${dataDir} is already open in this process (pid ${pid}), maybe through another path to the same folder: close that connection before opening it again (PGlite is one connection per folder)`
          : `the embedded database ${dataDir} is in use by process ${pid || '(unknown)'} (another veza-beta command, the redemption-api or the monitor-worker); stop it, or use PostgreSQL (DATABASE_URL) to run several processes at once${lockFile ? `. If no such process runs, remove ${lockFile}` : ''}`,
    );
  }
}

/**
 * The database lacks migrations of this version (beta_invites missing, files pending or edited, or
 * a table or unique index of a later migration missing: a database set up by an older veza-beta, never
 * migrated since): run `veza-beta db migrate`.
 */
export class DatabaseNotMigratedError extends InvitesDbError {
  override name = 'DatabaseNotMigratedError';
  constructor(target: string, missing?: { pending: string[]; edited: string[] } | { table: string } | { uniqueIndex: true }) {
    const what = !missing
      ? 'has no beta_invites table'
      : 'uniqueIndex' in missing
        ? "lacks a unique index this veza-beta's statements name (added by a later migration than the ones applied there: an older veza-beta migrated it)"
        : 'table' in missing
          ? missing.table === 'beta_invites'
            ? 'has no beta_invites table'
            : `has no ${missing.table} table (added by a later migration than the ones applied there: an older veza-beta migrated it)`
          : [
              missing.pending.length ? `lacks ${missing.pending.join(', ')}` : '',
              missing.edited.length ? `has ${missing.edited.join(', ')} applied in another version` : '',
            ]
              .filter(Boolean)
              .join(' and ');
    // withDbErrors knows no target: "the database at the database" said nothing twice
    const where = target === 'the database' ? target : `the database at ${target}`;
    super('INVITES_DB_NOT_MIGRATED', `${where} ${what}; run 'veza-beta db migrate' first`);
  }
}

/** The session cannot write (a hot standby, a read-only role or database): nothing can be redeemed there. */
export class DatabaseReadOnlyError extends InvitesDbError {
  override name = 'DatabaseReadOnlyError';
  /** `pending`: the migrations runMigrations had to apply there (nothing was applied) */
  constructor(target: string, pending?: string[]) {
    const where = target === 'the database' ? target : `the database at ${target}`;
    super(
      'INVITES_DB_READ_ONLY',
      pending?.length
        ? `${where} is read-only for this session (a standby, or default_transaction_read_only) and lacks ${pending.join(', ')}; nothing was applied: run the migrations on the primary, with a role that may write`
        : `${where} is read-only for this session (a standby, or default_transaction_read_only): point DATABASE_URL at the primary, with a role that may write`,
    );
  }
}

/** A migration file was changed after it had been applied. */
export class MigrationEditedError extends InvitesDbError {
  override name = 'MigrationEditedError';
  constructor(readonly file: string) {
    super(
      'INVITES_MIGRATION_EDITED',
      `migration ${file} was edited after it was applied (checksum differs); restore it and add a new migration file instead`,
    );
  }
}

/**
 * The database has migrations applied that this version does not have: a
 * newer veza-beta migrated it. This one may not know what they changed (an
 * older version's `db migrate` said "0 applied, N already there" and went on).
 */
export class DatabaseNewerError extends InvitesDbError {
  override name = 'DatabaseNewerError';
  constructor(readonly files: string[]) {
    super(
      'INVITES_DB_NEWER',
      `the database has ${files.join(', ')} applied, which this veza-beta does not have: a newer veza-beta migrated it. Update this one (git pull && npm install) before using it on that database; nothing was applied`,
    );
  }
}

/**
 * The folder of migration files does not exist (a wrong `dir`, a package bundled
 * into a backend's own file, a package built without them); `dir` is undefined
 * when the default could not even be located (no module URL: a CommonJS bundle).
 */
export class MigrationsMissingError extends InvitesDbError {
  override name = 'MigrationsMissingError';
  constructor(readonly dir: string | undefined) {
    super(
      'INVITES_MIGRATIONS_MISSING',
      `${dir === undefined ? "cannot locate @veza/invites-db's migrations (the package was bundled: it has no module URL to find them from)" : `no migrations folder at ${dir}`}: ` +
        'pass `dir`, the folder of the SQL files (the package ships them in dist/migrations/); when bundling, leave @veza/invites-db ' +
        'out of the bundle (esbuild --external:@veza/invites-db) so that it finds its own; an installed package without dist/migrations/ must be reinstalled',
    );
  }
}

/** The server's PostgreSQL is older than the oldest the migrations and queries run on; nothing was applied. */
export class ServerTooOldError extends InvitesDbError {
  override name = 'ServerTooOldError';
  constructor(
    target: string,
    readonly serverVersion: string,
    readonly minimumMajor: number,
  ) {
    const where = target === 'the database' ? target : `the database at ${target}`;
    super(
      'INVITES_DB_SERVER_TOO_OLD',
      `${where} runs PostgreSQL ${serverVersion}; veza-beta needs PostgreSQL ${minimumMajor} or later: upgrade the server (or point DATABASE_URL at one that is); nothing was applied`,
    );
  }
}

/** A migration file failed; its transaction was rolled back. */
export class MigrationFailedError extends InvitesDbError {
  override name = 'MigrationFailedError';
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    super(
      'INVITES_MIGRATION_FAILED',
      `migration ${file} failed and was rolled back: ${describeCause(cause)}${privilegeAdvice(cause)}${lockAdvice(cause)}`,
      {
        cause,
      },
    );
  }
}

/** The SQLSTATE of a cause, or of a cause of it (drizzle and the runner wrap the driver's error). */
export function sqlstateOf(cause: unknown): unknown {
  for (let e: unknown = cause, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/**
 * A migration that waited longer than its lock_timeout (55P03; the CLI's
 * DATABASE_STALL_TIMEOUT, in tries of a second: runMigrations) for a table
 * another session keeps: the server's "canceling statement due to lock
 * timeout" said neither who nor what to do.
 */
function lockAdvice(cause: unknown): string {
  return sqlstateOf(cause) === '55P03'
    ? ' — another session kept a table this migration changes (a transaction left open in psql, a long prepare or dispatch; see pg_stat_activity, state "idle in transaction"): nothing of this migration was applied; end that session, or run db migrate when nothing else writes, then run it again'
    : '';
}

/**
 * A migration refused for lack of privilege (42501): "permission denied for
 * schema public" is what PostgreSQL 15 answers an app role, which may no
 * longer create in public; the words alone did not say which role to use.
 */
function privilegeAdvice(cause: unknown): string {
  let code: unknown;
  for (let e: unknown = cause, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++)
    code ??= (e as { code?: unknown }).code === '42501' ? '42501' : undefined;
  return code === '42501'
    ? ' — the role in DATABASE_URL may not create or change these tables: run db migrate as the owner of the database or schema (a migration role), then grant the app role what it needs (docs/OPERATOR_GUIDE.md, "Database roles")'
    : '';
}

/** An invite code that is not 16 Crockford base32 characters. */
export class InviteCodeMalformedError extends InvitesDbError {
  override name = 'InviteCodeMalformedError';
  constructor(reason: string) {
    super('INVITES_CODE_MALFORMED', `malformed invite code: ${reason}`);
  }
}

/** An input value (email, cohort, name, option) that breaks a documented rule. */
export class InvalidInputError extends InvitesDbError {
  override name = 'InvalidInputError';
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super('INVITES_INVALID_INPUT', `${field}: ${reason}`);
  }
}

/**
 * A raw query returned a row this lib did not expect (a missing column, or a
 * value of another type): a database whose tables differ from the migrations,
 * or a driver that parses a type differently. Names the column, never a value.
 */
export class UnexpectedRowError extends InvitesDbError {
  override name = 'UnexpectedRowError';
  constructor(
    readonly query: string,
    reason: string,
  ) {
    super('INVITES_DB_UNEXPECTED_ROW', `unexpected row from ${query}: ${reason}`);
  }
}

/** The database's own message, without any connection string it may quote. */
export function describeCause(cause: unknown): string {
  // not `instanceof Error`: an error from another realm (Node's own under a jest VM) is not one
  const text = (cause as { message?: unknown } | null)?.message;
  const message = typeof text === 'string' ? text : String(cause);
  return redactUrls(message);
}

/**
 * Hides the password of any URL in a text: postgres://user:secret@host →
 * postgres://user:***@host, and libpq's query form `?password=secret` (or
 * `&sslpassword=`) → `?password=***`.
 */
export function redactUrls(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]+:)[^@\s]+@/gi, '$1***@').replace(/([?&](?:ssl)?password=)[^&\s]*/gi, '$1***');
}
