import { DatabaseNotMigratedError, DatabaseUnreachableError, InvitesDbError, UnexpectedRowError, describeCause } from './errors.js';

const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
]);

function sqlState(error: unknown): string | undefined {
  for (let e: unknown = error; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/**
 * drizzle wraps the driver's error in one whose message is the whole statement and its
 * parameters ("Failed query: … params: …"): a row's values, a chunk's 500 emails, code
 * digests. The driver's own error says why, with its SQLSTATE: that one goes on.
 */
function driverError(error: unknown): unknown {
  if (!(error instanceof Error) || !error.message.startsWith('Failed query: ')) return error;
  // `cause` is checked as an object, not `instanceof Error`: an error made in another realm (Node's
  // socket errors seen from a vm context, as under jest) is an Error that instanceof does not know.
  const { cause } = error as { cause?: unknown };
  return typeof cause === 'object' && cause !== null ? cause : error;
}

/** Turns a driver error into one of the lib's typed errors where it has a meaning; others pass through, without drizzle's statement-and-parameters wrapper. */
export function mapDbError(wrapped: unknown, target = 'the database'): unknown {
  if (wrapped instanceof InvitesDbError) return wrapped;
  const error = driverError(wrapped);
  const state = sqlState(error);
  if (state === '42P01') {
    // PostgreSQL and PGlite both say: relation "decisions" does not exist (a table of one of our migrations, by the statements here)
    const table = error instanceof Error ? /relation "([a-z_]+)" does not exist/.exec(error.message)?.[1] : undefined;
    return new DatabaseNotMigratedError(target, table ? { table } : undefined);
  }
  // 42P10: an ON CONFLICT naming a unique index a later migration adds (createInvites names 1003's): every
  // row failed alone with it, and prepare said to fix the rows and prepare them again
  if (state === '42P10' && error instanceof Error && /no unique or exclusion constraint matching the ON CONFLICT/.test(error.message))
    return new DatabaseNotMigratedError(target, { uniqueIndex: true });
  if (state && (CONNECTION_ERRORS.has(state) || state.startsWith('08'))) return new DatabaseUnreachableError(target, error);
  // 58P01 undefined_file: the database's own files are missing (an embedded database's folder deleted under it)
  if (state === '58P01')
    return new DatabaseUnreachableError(
      target,
      new Error(`${describeCause(error)} — the database's files are missing: was its folder deleted or moved while this process ran?`),
    );
  if (error instanceof Error && /PGlite is closed/i.test(error.message)) return new DatabaseUnreachableError(target, error);
  return error;
}

/**
 * Whether a refused statement says something about the session or the
 * database rather than about its rows (read-only, no privilege, a full disk,
 * an administrator's shutdown): retrying row by row would fail every row
 * alike, each reported as the row's fault.
 */
export function isSessionRefusal(error: unknown): boolean {
  const state = sqlState(driverError(error));
  return state === '25006' || state === '42501' || (state !== undefined && (state.startsWith('53') || state.startsWith('57')));
}

/** Runs a query function, translating driver errors (see mapDbError). */
export async function withDbErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw mapDbError(error);
  }
}

/** What one column of a raw query holds; a trailing `?` allows null. */
type ColumnKind = 'string' | 'number' | 'boolean' | 'date';
export type RowSpec = Readonly<Record<string, ColumnKind | `${ColumnKind}?`>>;
type ValueOf<K> = K extends `${infer B}?`
  ? ValueOf<B> | null
  : K extends 'string'
    ? string
    : K extends 'number'
      ? number
      : K extends 'boolean'
        ? boolean
        : K extends 'date'
          ? Date
          : never;
export type DecodedRow<S extends RowSpec> = { -readonly [K in keyof S]: ValueOf<S[K]> };

/** Integers and numerics the drivers may hand over as text (count(*), bigint). */
const NUMERIC_TEXT = /^-?\d+(\.\d+)?$/;

function decodeValue(value: unknown, kind: ColumnKind): { ok: true; value: unknown } | { ok: false } {
  switch (kind) {
    case 'string':
      return typeof value === 'string' ? { ok: true, value } : { ok: false };
    case 'boolean':
      return typeof value === 'boolean' ? { ok: true, value } : { ok: false };
    case 'number':
      if (typeof value === 'number' && Number.isFinite(value)) return { ok: true, value };
      if (typeof value === 'bigint') return { ok: true, value: Number(value) };
      return typeof value === 'string' && NUMERIC_TEXT.test(value) ? { ok: true, value: Number(value) } : { ok: false };
    case 'date': {
      // postgres.js through drizzle leaves timestamps as text; PGlite parses them.
      const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined;
      return date && !Number.isNaN(date.getTime()) ? { ok: true, value: date } : { ok: false };
    }
  }
}

/**
 * The rows of a raw `db.execute()` (one that drizzle's query builder cannot
 * express), checked against `spec`: each listed column must be present with
 * that kind, else UnexpectedRowError (INVITES_DB_UNEXPECTED_ROW) names the
 * query and the column, never the value. Numbers sent as text and timestamps
 * sent as text are converted, so both drivers give the same result.
 */
export function decodeRows<S extends RowSpec>(result: unknown, spec: S, query: string): DecodedRow<S>[] {
  const rows: unknown = Array.isArray(result) ? result : (result as { rows?: unknown } | null)?.rows;
  if (!Array.isArray(rows)) throw new UnexpectedRowError(query, 'the result has no rows');
  return rows.map((row: unknown) => {
    if (typeof row !== 'object' || row === null) throw new UnexpectedRowError(query, 'a row is not an object');
    const decoded: Record<string, unknown> = {};
    for (const [column, want] of Object.entries(spec)) {
      const nullable = want.endsWith('?');
      const kind = (nullable ? want.slice(0, -1) : want) as ColumnKind;
      const value = (row as Record<string, unknown>)[column];
      if (value === null && nullable) {
        decoded[column] = null;
        continue;
      }
      const result = decodeValue(value, kind);
      if (!result.ok)
        throw new UnexpectedRowError(query, `column ${column} is ${value === null ? 'null' : typeof value}, expected ${want}`);
      decoded[column] = result.value;
    }
    return decoded as DecodedRow<S>;
  });
}
