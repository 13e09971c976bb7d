import type { SQL } from 'drizzle-orm';
import type { Connection } from '../src/index.js';

/** The rows of a raw query on either driver: an array (postgres.js) or `{ rows }` (PGlite). */
export async function rows<T>(conn: Connection, query: SQL): Promise<T[]> {
  const result = await conn.db.execute(query);
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/**
 * What the database said when `work` failed ("<SQLSTATE> <message>"), under drizzle's "Failed query" wrapper,
 * or 'not refused': a statement's error comes wrapped (its cause); the commit's, refused by a deferred trigger, bare.
 */
export async function refusal(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (error) {
    const cause = (error as { cause?: { message?: string; code?: string } }).cause ?? (error as { message?: string; code?: string });
    return `${cause.code ?? ''} ${cause.message ?? (error as Error).message}`;
  }
  return 'not refused';
}
