import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import type postgres from 'postgres';
import type { Connection, Database, RawTransaction } from './connect.js';
import { InvalidInputError } from './errors.js';
import * as schema from './schema.js';

/**
 * What a backend can hand to this lib: `openDatabase`'s Connection, its own
 * postgres.js client, its own PGlite, or a drizzle instance over either (the
 * drizzle-orm it installed: drizzle-orm is a peer dependency).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any postgres.js client, whatever its custom types
export type DatabaseClient = Connection | Database | postgres.Sql<any> | PgliteClient;

/**
 * The part of a PGlite instance this lib uses, stated here rather than
 * imported: PGlite's own declaration files need @types/emscripten, which a
 * backend type-checking with skipLibCheck: false would then need too.
 */
export interface PgliteClient {
  query<T>(text: string, params?: unknown[]): Promise<{ rows: T[] }>;
  exec(text: string): Promise<unknown>;
  transaction<T>(work: (tx: Pick<PgliteClient, 'query' | 'exec'>) => Promise<T>): Promise<T>;
}

type PostgresSql = postgres.Sql<Record<string, never>>;
type Kind = { conn: Connection } | { sql: PostgresSql } | { pglite: PgliteClient };

export function isPostgresSql(value: unknown): value is PostgresSql {
  return (
    typeof value === 'function' && typeof (value as PostgresSql).begin === 'function' && typeof (value as PostgresSql).unsafe === 'function'
  );
}

function isPglite(value: unknown): value is PgliteClient {
  const v = value as PgliteClient | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.exec === 'function' &&
    typeof v.transaction === 'function' &&
    typeof v.query === 'function'
  );
}

function kindOf(client: DatabaseClient): Kind {
  if (typeof (client as Connection).rawTransaction === 'function') return { conn: client as Connection };
  if (isPostgresSql(client)) return { sql: client };
  if (isPglite(client)) return { pglite: client };
  // A drizzle instance keeps the client it was made with in $client (drizzle-orm 0.36 and later).
  const inner = (client as { $client?: unknown }).$client;
  if (isPostgresSql(inner)) return { sql: inner };
  if (isPglite(inner)) return { pglite: inner };
  throw new InvalidInputError(
    'client',
    'is not a Connection, a postgres.js client, a PGlite, or a drizzle instance made over one of them (drizzle-orm/postgres-js or drizzle-orm/pglite)',
  );
}

/**
 * A drizzle Database for the query functions, from whatever client the
 * caller has. A drizzle instance is returned as it is (a transaction too).
 */
export function toDatabase(client: DatabaseClient): Database {
  if (typeof (client as Database).select === 'function' && typeof (client as Database).execute === 'function') return client as Database;
  const kind = kindOf(client);
  if ('conn' in kind) return kind.conn.db;
  if ('sql' in kind) return drizzlePostgres(kind.sql, { schema });
  return drizzlePglite(kind.pglite as never, { schema });
}

/** Plain multi-statement SQL in one transaction on any client, for the migration runner. */
export function rawTransaction<T>(client: DatabaseClient, work: (tx: RawTransaction) => Promise<T>): Promise<T> {
  const kind = kindOf(client);
  if ('conn' in kind) return kind.conn.rawTransaction(work);
  if ('sql' in kind) {
    return kind.sql.begin((tx) =>
      work({
        query: async (text, params = []) => [...(await tx.unsafe(text, params as postgres.ParameterOrJSON<never>[]))] as never[],
        exec: async (text) => void (await tx.unsafe(text)),
      }),
    ) as Promise<T>;
  }
  return kind.pglite.transaction((tx) =>
    work({
      query: async <R>(text: string, params: unknown[] = []) => (await tx.query<R>(text, params)).rows,
      exec: async (text) => void (await tx.exec(text)),
    }),
  );
}
