import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Connection, RawTransaction } from './connect.js';
import { rawTransaction } from './database-client.js';
import type { DatabaseClient } from './database-client.js';
import {
  DatabaseNewerError,
  DatabaseReadOnlyError,
  InvitesDbError,
  MigrationEditedError,
  MigrationFailedError,
  MigrationsMissingError,
  ServerTooOldError,
  sqlstateOf,
} from './errors.js';

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
  // written out as import.meta.url: the workspace's own app bundles (tools/testing/prebuild-apps.mjs) put each file's URL there
  const here: unknown = import.meta.url;
  if (typeof here !== 'string') throw new MigrationsMissingError(undefined);
  return fileURLToPath(new URL(here.endsWith('.ts') ? '../../../migrations/' : './migrations/', here));
}

/**
 * The oldest PostgreSQL major the migrations and queries run on: 13 has
 * gen_random_uuid() built in (990's ids; on 12 it needs pgcrypto, and the
 * first migration failed without naming the version). 13 to 18 were run with
 * the integration specs (docs/DECISIONS.md, twenty-first round).
 */
export const MIN_POSTGRES_MAJOR = 13;

/** The refusal of a server older than MIN_POSTGRES_MAJOR (its server_version_num and server_version), or null. */
export function serverTooOld(target: string, versionNum: number, versionText: string): ServerTooOldError | null {
  if (!Number.isFinite(versionNum) || versionNum >= MIN_POSTGRES_MAJOR * 10_000) return null;
  return new ServerTooOldError(target, versionText.split(' ')[0] ?? versionText, MIN_POSTGRES_MAJOR);
}

/** Before any migration: a server too old is refused (INVITES_DB_SERVER_TOO_OLD), nothing applied. */
async function assertServerVersion(client: DatabaseClient): Promise<void> {
  const [row] = await rawTransaction(client, (tx) =>
    tx.query<{ num: string; text: string }>(
      `SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS text`,
    ),
  );
  const refused = row ? serverTooOld(targetOf(client), Number(row.num), String(row.text)) : null;
  if (refused) throw refused;
}

/** Any 64-bit constant shared by every runner: they queue on it instead of racing. */
export const MIGRATION_LOCK_KEY = 7_346_193_990;

export interface MigrationFile {
  name: string;
  checksum: string;
  sql: string;
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
}

/**
 * Migration order: by the file name's leading number, as a number, then by name. The numbers so far
 * run 990–999; compared as text, a next `1000_….sql` would have come before `990_beta_invites.sql`.
 */
function byMigrationNumber(a: string, b: string): number {
  const na = Number(/^\d+/.exec(a)?.[0] ?? Number.NaN);
  const nb = Number(/^\d+/.exec(b)?.[0] ?? Number.NaN);
  if (Number.isFinite(na) && Number.isFinite(nb) && na !== nb) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The *.sql files of a folder, in migration order (their leading number, then their name), with their SHA-256. */
export function readMigrationFiles(dir: string = defaultMigrationsDir()): MigrationFile[] {
  if (!existsSync(dir)) throw new MigrationsMissingError(dir);
  return readdirSync(dir)
    .filter((name) => name.endsWith('.sql'))
    .sort(byMigrationNumber)
    .map((name) => {
      const sql = readFileSync(join(dir, name), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

/**
 * The files recorded as applied, read without writing: a backend that calls
 * runMigrations at every start, on a read-only replica or as an app role
 * without CREATE on the schema, failed on the CREATE TABLE IF NOT EXISTS
 * below (PostgreSQL checks the privilege, and read-only, before it looks
 * whether the table exists) although nothing was left to apply.
 */
async function appliedChecksums(tx: RawTransaction): Promise<Map<string, string>> {
  const [found] = await tx.query<{ table: string | null }>(`SELECT to_regclass('veza_beta_migrations')::text AS table`);
  if (!found?.table) return new Map();
  const rows = await tx.query<{ name: string; checksum: string }>('SELECT name, checksum FROM veza_beta_migrations');
  return new Map(rows.map((row) => [row.name, row.checksum]));
}

/** Before the first write: the record table, and a session that may write (else INVITES_DB_READ_ONLY naming what is pending). */
async function prepareToApply(tx: RawTransaction, client: DatabaseClient, pending: string[]): Promise<void> {
  const [session] = await tx.query<{ ro: string }>(`SELECT current_setting('transaction_read_only') AS ro`);
  if (session?.ro === 'on') throw new DatabaseReadOnlyError(targetOf(client), pending);
  // "relation already exists, skipping" is a NOTICE that a backend's own client (postgres.js prints
  // notices by default) would show on every start: not worth a line, for this transaction only.
  await tx.exec('SET LOCAL client_min_messages = warning');
  await tx.exec(`CREATE TABLE IF NOT EXISTS veza_beta_migrations (
    name text PRIMARY KEY,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
}

/** openDatabase's Connection knows where it points (password masked); a backend's own client does not say. */
function targetOf(client: DatabaseClient): string {
  const target = (client as { target?: unknown }).target;
  return typeof target === 'string' && typeof (client as Connection).rawTransaction === 'function' ? target : 'the database';
}

function assertUnedited(files: MigrationFile[], applied: Map<string, string>): void {
  const known = new Set(files.map((file) => file.name));
  const newer = [...applied.keys()].filter((name) => !known.has(name)).sort();
  if (newer.length > 0) throw new DatabaseNewerError(newer);
  for (const file of files) {
    const recorded = applied.get(file.name);
    if (recorded !== undefined && recorded !== file.checksum) throw new MigrationEditedError(file.name);
  }
}

/** The longest a migration's statement waits for a table's lock in one try (ms): well under the redemption API's 5 s statement_timeout. */
export const MIGRATION_LOCK_TRY_MS = 1_000;

/** The pause between two tries (ms), while the sessions that queued behind the migration's request go on. */
export const MIGRATION_LOCK_PAUSE_MS = 1_000;

/**
 * Runs one migration's transaction in tries: each of its statements waits at
 * most MIGRATION_LOCK_TRY_MS for a lock (lock_timeout), and a try cut by that
 * (55P03) is rolled back whole and tried again after a pause, until the
 * session's own lock_timeout (the CLI's DATABASE_STALL_TIMEOUT), or its
 * statement_timeout when that is shorter or alone (a backend's pool: before
 * the tries it cut the wait; each try's short statements never reach it, and
 * the migration tried for ever), has passed since the first try; then that
 * last 55P03 is thrown. Neither set: no deadline, as a single wait had none.
 * A statement waiting for a lock sits at the head of the table's lock queue,
 * and every later one that conflicts with it queues behind it, even one that
 * would not conflict with the holder: a CREATE INDEX waiting 30 s for a
 * transaction left open in psql held every redeem for those 30 s (the API
 * answered 503 after 5 s). In tries, the queue moves between them.
 * The deadline counts from the first try (a wait for another runner's
 * advisory lock included). `deadlineMs` is sessionWaitLimitMs' (0: none);
 * `work(tryMs)` sets tryMs as its lock_timeout.
 * PGlite has one session: nothing waits there.
 */
async function applyInTries(deadlineMs: number, work: (tryMs: number) => Promise<void>): Promise<void> {
  const started = Date.now();
  for (;;) {
    const left = deadlineMs === 0 ? MIGRATION_LOCK_TRY_MS : deadlineMs - (Date.now() - started);
    try {
      await work(Math.max(1, Math.min(MIGRATION_LOCK_TRY_MS, left)));
      return;
    } catch (error) {
      const elapsed = Date.now() - started;
      if (sqlstateOf(error) !== '55P03' || (deadlineMs !== 0 && elapsed + MIGRATION_LOCK_PAUSE_MS >= deadlineMs)) throw error;
      await pause(MIGRATION_LOCK_PAUSE_MS);
    }
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * How long the session lets a statement wait for a lock, in ms (0: no limit): the shorter of its
 * lock_timeout and statement_timeout that are set, as the server reports them ('30s', '300ms', '1min', '0').
 */
async function sessionWaitLimitMs(client: DatabaseClient): Promise<number> {
  const rows = await rawTransaction(client, (tx) =>
    // pg_settings gives them in their unit (ms) whatever the spelling they were set with; one-word alias: a camel-transform client keeps it
    tx.query<{ ms: string }>(`SELECT setting AS ms FROM pg_settings WHERE name IN ('lock_timeout', 'statement_timeout')`),
  );
  const limits = rows.map((row) => Number(row.ms)).filter((ms) => Number.isFinite(ms) && ms > 0);
  return limits.length > 0 ? Math.min(...limits) : 0;
}

/**
 * Applies every migration not applied yet, each in its own transaction, in
 * migration order (the leading number, then the name), and records it with its checksum. Refuses to go on when an
 * applied file was edited since, or when the database has files applied that
 * this version does not have (a newer veza-beta migrated it). Two runners at once queue on an advisory lock:
 * the second finds the work done. `client` is openDatabase's Connection, or
 * the backend's own postgres.js client, PGlite, or drizzle instance over one.
 */
export async function runMigrations(client: DatabaseClient, dir: string = defaultMigrationsDir()): Promise<MigrationResult> {
  const files = readMigrationFiles(dir);
  await assertServerVersion(client);
  // the session's settings, the same for every file: read once
  const waitLimitMs = await sessionWaitLimitMs(client);
  const result: MigrationResult = { applied: [], alreadyApplied: [] };
  for (const file of files) {
    try {
      await applyInTries(waitLimitMs, (tryMs) =>
        rawTransaction(client, async (tx) => {
          // The advisory lock waits on purpose (another runner is migrating): not cut by the session's
          // lock_timeout (the CLI's DATABASE_STALL_TIMEOUT); the migration's statements wait for at most one try.
          await tx.exec('SET LOCAL lock_timeout = 0');
          await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
          await tx.query(`SELECT set_config('lock_timeout', $1, true)`, [`${tryMs}ms`]);
          await assertUtf8(tx);
          const applied = await appliedChecksums(tx);
          assertUnedited(files, applied);
          if (applied.has(file.name)) {
            result.alreadyApplied.push(file.name);
            return;
          }
          await prepareToApply(
            tx,
            client,
            files.filter((f) => !applied.has(f.name)).map((f) => f.name),
          );
          if (file.name === FIRST_MIGRATION) await assertPlaceForTables(tx);
          await tx.exec(file.sql);
          await tx.query('INSERT INTO veza_beta_migrations (name, checksum) VALUES ($1, $2)', [file.name, file.checksum]);
          result.applied.push(file.name);
        }),
      );
    } catch (error) {
      if (error instanceof InvitesDbError) throw error;
      throw new MigrationFailedError(file.name, error);
    }
  }
  return result;
}

/**
 * The migrations hold text beyond Latin-1 (⚪, 🔴 in the gate runs' labels) and
 * the rules count characters: a database in another encoding half-migrated
 * (LATIN1 failed at the second file) or counted bytes (SQL_ASCII).
 */
async function assertUtf8(tx: RawTransaction): Promise<void> {
  const [row] = await tx.query<{ encoding: string }>(
    'SELECT pg_encoding_to_char(encoding) AS encoding FROM pg_database WHERE datname = current_database()',
  );
  if (row && row.encoding !== 'UTF8')
    throw new Error(
      `the database's encoding is ${row.encoding}; veza-beta needs UTF8 (create it with: createdb -E UTF8 -T template0 NAME); nothing was applied`,
    );
}

/** The migration that creates beta_invites and, where none exists, users. */
const FIRST_MIGRATION = '990_beta_invites.sql';

/**
 * Before the first migration: tables of the same names that it would not
 * create, and that would then break it or be shadowed. The shell scripts'
 * own beta_invites keeps its codes in clear (a `code` column, no digest): the
 * migration failed on a missing column, without saying why. A search_path
 * that puts another schema before the one holding Veza's users table had a
 * second, empty users table made there, which every sent_by then named.
 */
async function assertPlaceForTables(tx: RawTransaction): Promise<void> {
  const columns = await tx.query<{ name: string }>(
    `SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'beta_invites'`,
  );
  const names = new Set(columns.map((c) => c.name));
  if (names.has('code') && !names.has('code_digest'))
    throw new Error(
      "beta_invites already exists as the shell scripts made it (codes kept in clear, a 'code' column): veza-beta keeps only their digests. Rename it (ALTER TABLE beta_invites RENAME TO beta_invites_seed), run db migrate again, then prepare the people still to invite; the old codes stop working with the old table",
    );
  const [users] = await tx.query<{ schema: string | null; current: string | null }>(
    `SELECT (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass('users')) AS schema, current_schema() AS current`,
  );
  if (users?.schema && users.schema !== users.current)
    throw new Error(
      `the search_path creates tables in ${users.current ?? '?'} but finds users in ${users.schema}: the migration would make a second, empty users table in ${users.current ?? '?'}, which would hide Veza's. Put ${users.schema} first in the search_path (or drop the search_path option of DATABASE_URL)`,
    );
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
