import type { SQL } from 'drizzle-orm';
import type { Connection } from '../src/index.js';

/** The rows of a raw query on either driver: an array (postgres.js) or `{ rows }` (PGlite). */
export async function rows<T>(conn: Connection, query: SQL): Promise<T[]> {
  const result = await conn.db.execute(query);
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}
