import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { LOCK_NAMESPACE, openDatabase } from './connect.js';
import type { Connection } from './connect.js';
import { readMigrationFiles, runMigrations } from './migrate.js';

/** A database a test suite can open: embedded PGlite always, the throwaway PostgreSQL when the test script started one. */
export interface TestBackend {
  name: 'pglite' | 'postgres';
  /**
   * A new database (and its URL for child processes, postgres only): empty,
   * or with `migrated`, a copy of one that the real runner migrated (the
   * answer's `migrated` says so; a backend that ignores the option leaves the
   * migrating to openTestDatabase).
   */
  create(options?: { migrated?: boolean }): Promise<{ url?: string; dataDir?: string; pgliteTemplate?: Blob; migrated?: boolean }>;
}

/**
 * Names the migrated templates after what makes them: the SQL files, the
 * runner's source and the PGlite version. An edit to any of them makes a new
 * template; an old one is never reused for new SQL.
 */
function templateKey(): string {
  const hash = createHash('sha256');
  for (const file of readMigrationFiles()) hash.update(`${file.name}:${file.checksum}\n`);
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  for (const source of ['./migrate', './database-client']) hash.update(readFileSync(fileURLToPath(new URL(source + ext, import.meta.url))));
  // The package's exports map does not list its package.json: it sits above dist/.
  const pgliteManifest = join(dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite')), '..', 'package.json');
  hash.update(String((JSON.parse(readFileSync(pgliteManifest, 'utf8')) as { version?: string }).version));
  return hash.digest('hex').slice(0, 16);
}

const pgliteTemplates = new Map<'migrated' | 'empty', Promise<Blob>>();

/**
 * A PGlite data directory as a tarball, made once (initdb alone takes 3 to 5 s
 * of CPU, and every migration more; loading the tarball takes about 1 s) and
 * kept in the OS temp directory for the other test files and workers: `empty`
 * is a fresh initdb, `migrated` one the real runner migrated. Written to a
 * temporary name, then renamed: a reader never sees half a file, and two
 * workers making it at once both write the same content.
 */
function pgliteTemplate(kind: 'migrated' | 'empty'): Promise<Blob> {
  let made = pgliteTemplates.get(kind);
  if (!made) {
    made = (async () => {
      const file = join(tmpdir(), `veza-pglite-template-${kind === 'migrated' ? templateKey() : `empty-${templateKey()}`}.tar`);
      if (existsSync(file)) return new Blob([readFileSync(file)]);
      const pg = await PGlite.create();
      try {
        if (kind === 'migrated') await runMigrations(pg);
        const tarball = await pg.dumpDataDir('none');
        const partial = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
        writeFileSync(partial, Buffer.from(await tarball.arrayBuffer()));
        renameSync(partial, file);
        return tarball;
      } finally {
        await pg.close();
      }
    })();
    pgliteTemplates.set(kind, made);
  }
  return made;
}

const pglite: TestBackend = {
  name: 'pglite',
  create: async (options = {}) =>
    options.migrated
      ? { dataDir: 'memory://', pgliteTemplate: await pgliteTemplate('migrated'), migrated: true }
      : { dataDir: 'memory://', pgliteTemplate: await pgliteTemplate('empty') },
};

/** Any 64-bit constant: the workers that find no template queue on it, and one of them makes it. */
const TEMPLATE_LOCK_KEY = 7_346_193_991;

function postgresBackend(adminUrl: string): TestBackend {
  const urlOf = (name: string) => {
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return url.toString();
  };
  let templateReady: Promise<string> | undefined;
  /**
   * A database migrated by the real runner, once per server and template key;
   * new databases are copied from it (CREATE DATABASE … TEMPLATE), which takes
   * a fraction of running every migration again.
   */
  const migratedTemplate = (admin: postgres.Sql) =>
    (templateReady ??= (async () => {
      const name = `veza_template_${templateKey()}`;
      const reserved = await admin.reserve();
      try {
        await reserved`SELECT pg_advisory_lock(${TEMPLATE_LOCK_KEY})`;
        const [found] = await reserved`SELECT 1 AS found FROM pg_database WHERE datname = ${name}`;
        if (!found) {
          const building = `${name}_building_${randomBytes(4).toString('hex')}`;
          await reserved.unsafe(`CREATE DATABASE ${building}`);
          const conn = await openDatabase({ databaseUrl: urlOf(building), maxConnections: 1 });
          try {
            await runMigrations(conn);
          } finally {
            await conn.close();
          }
          // Renamed only once complete: a template under its final name is always fully migrated.
          await reserved.unsafe(`ALTER DATABASE ${building} RENAME TO ${name}`);
        }
        await reserved`SELECT pg_advisory_unlock(${TEMPLATE_LOCK_KEY})`;
      } finally {
        reserved.release();
      }
      return name;
    })());
  return {
    name: 'postgres',
    async create(options = {}) {
      const name = `veza_test_${randomBytes(6).toString('hex')}`;
      const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
      try {
        const template = options.migrated ? await migratedTemplate(admin) : undefined;
        await admin.unsafe(template ? `CREATE DATABASE ${name} TEMPLATE ${template}` : `CREATE DATABASE ${name}`);
      } catch (error) {
        templateReady = undefined;
        throw error;
      } finally {
        await admin.end();
      }
      return { url: urlOf(name), migrated: options.migrated === true };
    },
  };
}

/**
 * The backends every integration suite runs against. TEST_DATABASE_URL is set
 * by tools/with-postgres.sh (npm test) in this workspace, by the backend's own
 * CI elsewhere; under CI its absence is an error, so the PostgreSQL half of a
 * suite can never be skipped silently there. The message speaks to both: the
 * package's users have no tools/with-postgres.sh.
 */
export function testBackends(env: NodeJS.ProcessEnv = process.env): TestBackend[] {
  const url = env['TEST_DATABASE_URL'];
  if (url) return [pglite, postgresBackend(url)];
  if (env['CI'])
    throw new Error(
      'TEST_DATABASE_URL is not set while CI is: set TEST_DATABASE_URL to a PostgreSQL URL whose role may create databases ' +
        '(each test database is created there), or call testBackends({}) for the embedded database alone ' +
        '(in the veza-beta workspace: run the tests through tools/with-postgres.sh, npm test)',
    );
  return [pglite];
}

/**
 * Opens a fresh, migrated database on a backend (a copy of a template the
 * real runner migrated; `migrate: false` gives an empty one). `dataDir` puts a
 * PGlite database in that directory instead of in memory, for child processes.
 */
export async function openTestDatabase(
  backend: TestBackend,
  options: { migrate?: boolean; maxConnections?: number; dataDir?: string } = {},
): Promise<Connection & { url?: string }> {
  const migrate = options.migrate ?? true;
  const created = await backend.create({ migrated: migrate });
  const dataDir = created.dataDir && options.dataDir ? options.dataDir : created.dataDir;
  const conn = await openDatabase({
    databaseUrl: created.url,
    dataDir,
    maxConnections: options.maxConnections,
    pgliteTemplate: created.pgliteTemplate,
  });
  if (migrate && !created.migrated) await runMigrations(conn);
  return Object.assign(conn, created.url ? { url: created.url } : {});
}

/**
 * PostgreSQL: ends, from another session, the session that holds the lock `name` (Connection.holdLock), as
 * pg_terminate_backend, a server restart or idle_session_timeout would; its holder's process goes on. How
 * many sessions were ended (0: no such lock in this database).
 */
export async function endLockSession(conn: Connection, name: string): Promise<number> {
  const rows = await conn.rawTransaction((tx) =>
    tx.query<{ ended: boolean }>(
      `SELECT pg_terminate_backend(pid) AS ended FROM pg_locks
        WHERE locktype = 'advisory' AND granted AND objsubid = 2
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND classid::bigint = $1 AND objid::bigint = (hashtext($2)::bigint & 4294967295)`,
      [LOCK_NAMESPACE, name],
    ),
  );
  return rows.filter((row) => row.ended).length;
}

/**
 * `conn` as it is, but for its locks (Connection.holdLock), which also tell `heard(ms)` when their session ends
 * under them (endLockSession): the holder has heard of the loss then, which a spec waits for instead of a fixed
 * pause (a pause too short for a loaded machine let the holder go on as if it still had its lock). `heard` resolves
 * true once a lock of `conn` was lost, false after `ms` (its timer cleared either way).
 */
export function watchLockLoss(conn: Connection): { conn: Connection; heard: (ms: number) => Promise<boolean> } {
  let told!: () => void;
  const lost = new Promise<void>((resolve) => (told = resolve));
  const watched: Connection = {
    ...conn,
    holdLock: (name, options) =>
      conn.holdLock(name, {
        onLost: (reason) => {
          options?.onLost?.(reason);
          told();
        },
      }),
  };
  const heard = async (ms: number) => {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([lost.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)))]);
    } finally {
      clearTimeout(timer);
    }
  };
  return { conn: watched, heard };
}
