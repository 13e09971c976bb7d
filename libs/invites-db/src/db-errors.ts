import { DatabaseNotMigratedError, DatabaseUnreachableError, InvitesDbError } from './errors.js';

const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'CONNECT_TIMEOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED']);

function sqlState(error: unknown): string | undefined {
  for (let e: unknown = error; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** Turns a driver error into one of the lib's typed errors where it has a meaning; others pass through. */
export function mapDbError(error: unknown, target = 'the database'): unknown {
  if (error instanceof InvitesDbError) return error;
  const state = sqlState(error);
  if (state === '42P01') return new DatabaseNotMigratedError(target);
  if (state && (CONNECTION_ERRORS.has(state) || state.startsWith('08'))) return new DatabaseUnreachableError(target, error);
  if (error instanceof Error && /PGlite is closed/i.test(error.message)) return new DatabaseUnreachableError(target, error);
  return error;
}

/** Runs a query function, translating driver errors (see mapDbError). */
export async function withDbErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw mapDbError(error);
  }
}

/** Rows of `db.execute()`: postgres.js returns an array, PGlite an object with `rows`. */
export function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/** Timestamps from raw SQL: drizzle's postgres.js driver leaves them as strings, PGlite parses them. */
export function toDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value : new Date(value as string);
}
