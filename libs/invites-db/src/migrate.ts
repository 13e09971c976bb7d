import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RawTransaction } from './connect.js';
import { rawTransaction } from './database-client.js';
import type { DatabaseClient } from './database-client.js';
import { InvitesDbError, MigrationEditedError, MigrationFailedError, MigrationsMissingError } from './errors.js';

/**
 * The SQL files this package applies, found from this file's own location:
 * the build copies the repository's migrations/ (the one source of the SQL)
 * into dist/migrations/, which the package ships; run from source in the
 * repository (tests, tsx), they are read from migrations/ at the root.
 * Computed when a call needs the default, not on import: a backend bundled
 * with this package inside (esbuild's CommonJS output has no import.meta.url)
 * loads, and only a call without `dir` fails, with INVITES_MIGRATIONS_MISSING.
 */
export function defaultMigrationsDir(): string {
  const here = (import.meta as { url?: unknown }).url;
  if (typeof here !== 'string') throw new MigrationsMissingError(undefined);
  return fileURLToPath(new URL(here.endsWith('.ts') ? '../../../migrations/' : './migrations/', here));
}

/** Any 64-bit constant shared by every runner: they queue on it instead of racing. */
const MIGRATION_LOCK_KEY = 7_346_193_990;

export interface MigrationFile {
  name: string;
  checksum: string;
  sql: string;
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
}

/** The *.sql files of a folder, in file-name order, with their SHA-256. */
export function readMigrationFiles(dir: string = defaultMigrationsDir()): MigrationFile[] {
  if (!existsSync(dir)) throw new MigrationsMissingError(dir);
  return readdirSync(dir)
    .filter((name) => name.endsWith('.sql'))
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

async function appliedChecksums(tx: RawTransaction): Promise<Map<string, string>> {
  // "relation already exists, skipping" is a NOTICE that a backend's own client (postgres.js prints
  // notices by default) would show on every start: not worth a line, for this transaction only.
  await tx.exec('SET LOCAL client_min_messages = warning');
  await tx.exec(`CREATE TABLE IF NOT EXISTS veza_beta_migrations (
    name text PRIMARY KEY,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
  const rows = await tx.query<{ name: string; checksum: string }>('SELECT name, checksum FROM veza_beta_migrations');
  return new Map(rows.map((row) => [row.name, row.checksum]));
}

function assertUnedited(files: MigrationFile[], applied: Map<string, string>): void {
  for (const file of files) {
    const recorded = applied.get(file.name);
    if (recorded !== undefined && recorded !== file.checksum) throw new MigrationEditedError(file.name);
  }
}

/**
 * Applies every migration not applied yet, each in its own transaction, in
 * file-name order, and records it with its checksum. Refuses to go on when an
 * applied file was edited since. Two runners at once queue on an advisory lock:
 * the second finds the work done. `client` is openDatabase's Connection, or
 * the backend's own postgres.js client, PGlite, or drizzle instance over one.
 */
export async function runMigrations(client: DatabaseClient, dir: string = defaultMigrationsDir()): Promise<MigrationResult> {
  const files = readMigrationFiles(dir);
  const result: MigrationResult = { applied: [], alreadyApplied: [] };
  for (const file of files) {
    try {
      await rawTransaction(client, async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
        const applied = await appliedChecksums(tx);
        assertUnedited(files, applied);
        if (applied.has(file.name)) {
          result.alreadyApplied.push(file.name);
          return;
        }
        await tx.exec(file.sql);
        await tx.query('INSERT INTO veza_beta_migrations (name, checksum) VALUES ($1, $2)', [file.name, file.checksum]);
        result.applied.push(file.name);
      });
    } catch (error) {
      if (error instanceof InvitesDbError) throw error;
      throw new MigrationFailedError(file.name, error);
    }
  }
  return result;
}

export interface MigrationStatus {
  applied: string[];
  pending: string[];
  edited: string[];
}

/** What runMigrations would do, without doing it. */
export async function migrationStatus(client: DatabaseClient, dir: string = defaultMigrationsDir()): Promise<MigrationStatus> {
  const files = readMigrationFiles(dir);
  return rawTransaction(client, async (tx) => {
    const exists = await tx.query<{ table: string | null }>(`SELECT to_regclass('veza_beta_migrations')::text AS table`);
    const applied = new Map<string, string>();
    if (exists[0]?.table) {
      for (const row of await tx.query<{ name: string; checksum: string }>('SELECT name, checksum FROM veza_beta_migrations')) {
        applied.set(row.name, row.checksum);
      }
    }
    return {
      applied: files.filter((f) => applied.get(f.name) === f.checksum).map((f) => f.name),
      pending: files.filter((f) => !applied.has(f.name)).map((f) => f.name),
      edited: files.filter((f) => applied.has(f.name) && applied.get(f.name) !== f.checksum).map((f) => f.name),
    };
  });
}
