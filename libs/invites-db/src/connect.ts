import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { settingsOrThrow } from '@veza/settings';
import { maskUrlPassword } from '@veza/settings';
import { dataDirAdvice, dataDirLinkGone, folderPostgresVersion, sameFolder } from './data-dir.js';
import { DatabaseBusyError, DatabaseUnreachableError, describeCause } from './errors.js';
import { acquirePidLock, LockHeldError } from './pid-lock.js';
import { databaseSettingsFromEnv } from './read-env.js';
import * as schema from './schema.js';
import { libpqTls, tlsAdvice } from './libpq-tls.js';
import { checkSpeaksPostgres, connectTimeoutMs, libpqServer, probeEndpoint } from './speaks-postgres.js';
import type { Endpoint } from './speaks-postgres.js';

/**
 * A drizzle database; a transaction satisfies it too, so callers can compose
 * work in one transaction. Any schema: a backend passes its own drizzle
 * instance (the queries name their tables, they never use db.query).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Database = PgDatabase<PgQueryResultHKT, any, any>;

/** Plain SQL inside one transaction, for the migration runner (multi-statement files). */
export interface RawTransaction {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  exec(text: string): Promise<void>;
}

export interface Connection {
  readonly db: Database;
  readonly kind: 'postgres' | 'pglite';
  /** Where the data lives, safe to print: the URL without its password, or the data directory. */
  readonly target: string;
  /** The embedded database's folder (absolute), when it lives on disk; readiness checks that it is still there. */
  readonly dataDir?: string;
  rawTransaction<T>(work: (tx: RawTransaction) => Promise<T>): Promise<T>;
  /**
   * Holds a session-level advisory lock named `name` on a connection of its
   * own until the returned release is called, or until this process dies (the
   * server drops the lock with the session). Dispatchers use it as a liveness
   * signal for their claims.
   *
   * PostgreSQL: the session can also end while this process runs (the server
   * restarted, `pg_terminate_backend`, `idle_session_timeout`, a cut
   * connection), and the server drops the lock with it: other dispatchers then
   * take this one's claims for a crash's. `onLost` is called once, as soon as
   * the lock's connection is seen closed before release; the lock is not taken
   * again (release then only closes what is left). The session is asked
   * `SELECT 1` every LOCK_HEARTBEAT_MS, so that it is never idle for long
   * (idle_session_timeout) and a connection the server dropped is noticed. PGlite
   * never loses it (one process, one session).
   */
  holdLock(name: string, options?: HoldLockOptions): Promise<() => Promise<void>>;
  /**
   * Ends the connections: PostgreSQL lets what is in flight finish for up to
   * 5 s, then drops it. `now`: drops them at once, what is in flight fails
   * (a server that stopped answering: its answer would come too late to use,
   * or land unseen once it comes back). PGlite closes the same either way.
   * The sessions of locks still held (holdLock not released) end too: the
   * server lets the locks go, and their `onLost` is called.
   */
  close(options?: { now?: boolean }): Promise<void>;
}

export interface HoldLockOptions {
  /** Called once when the lock is lost before its release (postgres only): its session ended; `reason` is safe to print. */
  onLost?: ((reason: string) => void) | undefined;
}

/** Namespace of the two-key advisory locks taken by holdLock (the second key is hashtext(name)). */
export const LOCK_NAMESPACE = 7346;

/** How often holdLock's session is asked `SELECT 1` (postgres): never idle for long, and a dropped connection is noticed. */
export const LOCK_HEARTBEAT_MS = 5_000;

/** What holdLock's onLost is told. */
export const LOCK_LOST_REASON =
  "the database session holding the dispatcher's lock ended (the server restarted, or the connection was ended or cut)";

export interface OpenOptions {
  /** PostgreSQL URL; absent → embedded PGlite. */
  databaseUrl?: string | undefined;
  /** PGlite data directory (default `.veza/db` under the working directory); `memory://` for a throwaway one. */
  dataDir?: string | undefined;
  /** Per-statement time limit in milliseconds (postgres only; PGlite runs in-process). */
  statementTimeoutMs?: number | undefined;
  /**
   * postgres only: a client-side deadline on a server that stops answering
   * without closing anything (SIGSTOPped, a hung VM, a stalled proxy), where no
   * statement_timeout can fire. Every third of it a fresh connection asks the
   * server one question (SSLRequest); once none was answered for this long,
   * `onStall` is told why and the pool is ended: every query in flight fails
   * (INVITES_DB_UNREACHABLE) instead of waiting for ever. Off when absent.
   */
  stallDeadlineMs?: number | undefined;
  onStall?: ((reason: string) => void) | undefined;
  /** postgres only: lock_timeout of the pool's statements (not of holdLock's), so that a lock another session keeps ends the wait */
  lockTimeoutMs?: number | undefined;
  /** Pool size for postgres (default 10 connections). */
  maxConnections?: number | undefined;
  /**
   * Deadline of the first connection in milliseconds (postgres only); default
   * the URL's `connect_timeout` (seconds), else 10 s.
   */
  connectTimeoutMs?: number | undefined;
  /**
   * PGlite only: a data directory tarball (PGlite's `dumpDataDir`) that a new,
   * empty directory starts from instead of a fresh `initdb`; the tests start
   * from a migrated template this way (see `openTestDatabase`).
   */
  pgliteTemplate?: Blob | undefined;
}

/**
 * Reads the connection settings every app shares: DATABASE_URL, else
 * VEZA_DATA_DIR/db (databaseSettingsFromEnv). Throws SETTINGS_INVALID
 * (`@veza/settings`) when DATABASE_URL is not a postgres:// URL.
 */
export function openOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): OpenOptions {
  return settingsOrThrow(databaseSettingsFromEnv(env));
}

export const DEFAULT_DATA_DIR = '.veza/db';

/**
 * Opens the database and checks that it answers, by the connect deadline
 * (DATABASE_URL's connect_timeout, default 10 s); throws INVITES_DB_UNREACHABLE
 * otherwise, with the URL's password hidden.
 */
export async function openDatabase(options: OpenOptions = {}): Promise<Connection> {
  return options.databaseUrl
    ? openPostgres(options.databaseUrl, options)
    : openPglite(options.dataDir ?? DEFAULT_DATA_DIR, options.pgliteTemplate);
}

/**
 * The first query, and `then` (the session check) after it, by the deadline:
 * postgres.js reconnects at once, without end, to a host that closes the
 * connection during startup, and its own connect_timeout does not bound that;
 * a server that answers the first query and then goes silent would hold
 * `then`. The timer is ours and cleared.
 */
async function firstQuery(client: postgres.Sql, ms: number, then?: () => Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client`select 1`.then(() => then?.()),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no PostgreSQL answer within ${ms / 1_000} s (connect_timeout)`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Seconds before a connection is tried again after failures: 0.1 s doubling,
 * at most 2 s, with jitter. postgres.js waits up to 20 s by default (3^n / 100
 * s), so a pool kept serving errors for up to 20 s after the database was back.
 */
export function reconnectBackoff(retries: number): number {
  return (0.5 + Math.random() / 2) * Math.min(0.1 * 2 ** retries, 2);
}

/** The postgres.js options of every client openDatabase makes (the pool, and each lock holder's own connection). */
function clientOptions(deadlineMs: number, options: OpenOptions, pool = true) {
  // Timestamps come back as text that drizzle reads with `new Date(text)`: a server, database or role
  // with another DateStyle ('Postgres, MDY': "Sun Nov 29 02:57:30 2026 CET") made every one an Invalid
  // Date (a redeem committed, then answered 500). The session's own settings win over all of those.
  const connection: Record<string, string | number> = { DateStyle: 'ISO, MDY', TimeZone: 'UTC' };
  if (options.statementTimeoutMs) connection['statement_timeout'] = options.statementTimeoutMs;
  if (pool && options.lockTimeoutMs) connection['lock_timeout'] = options.lockTimeoutMs;
  return {
    connect_timeout: Math.max(1, Math.ceil(deadlineMs / 1_000)),
    backoff: reconnectBackoff,
    onnotice: () => undefined,
    // No array-type query at each connection's start: postgres.js runs it from a socket
    // handler with nothing awaiting it, so a server that stops or restarts while a connection
    // is starting turns its failure into an unhandled rejection, which ends the process
    // (porsager/postgres#1223; seen in the API's db-outage spec). Drizzle parses the one
    // array column (decisions.decided_by) from its text form itself.
    fetch_types: false,
    connection,
  };
}

/**
 * Asks the server one question on a fresh connection every third of
 * `deadlineMs`, one at a time; once no answer came for `deadlineMs`, calls
 * `stalled` once. Returns the stop. Its timers do not keep the process alive.
 */
function watchAnswers(endpoint: Endpoint, deadlineMs: number, stalled: () => void): () => void {
  let lastAnswer = Date.now();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const every = Math.max(200, Math.floor(deadlineMs / 3));
  const tick = async () => {
    try {
      await checkSpeaksPostgres(endpoint, Math.max(100, deadlineMs - (Date.now() - lastAnswer)));
      lastAnswer = Date.now();
    } catch {
      // no answer (or a refusal): counted by the deadline below
    }
    if (stopped) return;
    if (Date.now() - lastAnswer >= deadlineMs) {
      stopped = true;
      stalled();
      return;
    }
    timer = setTimeout(() => void tick(), every);
    timer.unref();
  };
  timer = setTimeout(() => void tick(), every);
  timer.unref();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

const OWN_SESSION_ADVICE =
  'veza-beta needs sessions of its own (its dispatchers hold advisory locks for as long as they run, and it sets timeouts for the session): point DATABASE_URL at PostgreSQL itself, not at PgBouncer or another pooler in transaction mode';

/** PgBouncer refuses the settings a client sends at its start unless told to ignore them (`ignore_startup_parameters`). */
function poolerAdvice(error: unknown): string | null {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' && /unsupported startup parameter/i.test(message)
    ? `DATABASE_URL leads to a connection pooler (PgBouncer) that refuses the session settings veza-beta asks for; ${OWN_SESSION_ADVICE}`
    : null;
}

/**
 * The session kept the timeouts asked for at its start. PgBouncer told to
 * ignore them (`ignore_startup_parameters = statement_timeout, lock_timeout`,
 * the usual answer to its "unsupported startup parameter") drops them
 * silently, and in transaction mode hands each transaction to any server
 * session: a dispatcher's advisory lock then stays with a pooled server
 * session after the dispatcher is gone, and another dispatcher that lands on
 * that session reads a live dispatcher's lock as its own, so each could send
 * the other's claimed emails. Checked on the pool's first connection.
 */
async function assertOwnSession(client: postgres.Sql, options: OpenOptions): Promise<void> {
  const asked: Record<string, number> = {};
  if (options.statementTimeoutMs) asked['statement_timeout'] = options.statementTimeoutMs;
  if (options.lockTimeoutMs) asked['lock_timeout'] = options.lockTimeoutMs;
  const names = Object.keys(asked);
  if (names.length === 0) return;
  const rows = await client<{ name: string; setting: string }[]>`SELECT name, setting FROM pg_settings WHERE name IN ${client(names)}`;
  const lost = rows.filter((row) => Number(row.setting) !== asked[row.name]);
  if (lost.length > 0)
    throw new Error(
      `the session did not keep the settings asked for at its start (${lost.map((row) => `${row.name} ${asked[row.name]} ms, got ${row.setting}`).join('; ')}): DATABASE_URL leads to a connection pooler that drops them (PgBouncer's ignore_startup_parameters); ${OWN_SESSION_ADVICE}`,
    );
}

async function openPostgres(url: string, options: OpenOptions): Promise<Connection> {
  // the whole URL is known: its user info ends at its last @ (a password may hold a space or a slash)
  const target = maskUrlPassword(url);
  let client: postgres.Sql;
  const started = Date.now();
  let deadlineMs: number;
  let connectTo: (max: number, pool: boolean, onclose?: () => void) => postgres.Sql;
  let endpoint: Endpoint | null;
  try {
    deadlineMs = connectTimeoutMs(url, options.connectTimeoutMs);
    // libpq's ?host= and %-encoded socket directories, given to postgres.js as options (it reads neither from a URL)
    const server = libpqServer(url);
    const place = server ? { host: server.host, port: server.port, ...(server.path ? { path: server.path } : {}) } : {};
    // libpq's sslrootcert, sslcert, sslkey and sslmode's meanings, given to postgres.js as its ssl option
    const tls = libpqTls(server?.url ?? url);
    const ssl = tls ? { ssl: tls.ssl } : {};
    connectTo = (max, pool, onclose) =>
      postgres(tls?.url ?? server?.url ?? url, {
        ...clientOptions(deadlineMs, options, pool),
        ...place,
        ...ssl,
        max,
        // A lock holder's connection lives as long as its lock: postgres.js ends any connection after a
        // max_lifetime of 30 to 60 minutes by default, which dropped a long dispatch's lock (and the
        // outbox sender's, in an API that runs for days) while it went on sending.
        ...(pool ? {} : { max_lifetime: null }),
        ...(onclose ? { onclose } : {}),
      });
    // One SSLRequest first: a host that is not PostgreSQL (an HTTP server, a proxy) is named at once, in one connection.
    endpoint = probeEndpoint(url, server);
    const answer = endpoint ? await checkSpeaksPostgres(endpoint, deadlineMs) : undefined;
    // libpqTls reads every sslmode: without one (tls null) nothing requires TLS
    if (answer === 'plain' && tls?.required)
      throw new Error(
        "the server does not accept TLS connections, and DATABASE_URL's sslmode requires TLS: turn ssl on in the server's configuration, or check that DATABASE_URL names the right server (or port)",
      );
    client = connectTo(options.maxConnections ?? 10, true);
  } catch (error) {
    throw new DatabaseUnreachableError(target, error);
  }
  try {
    // the session check under the same deadline: a server (or pooler) that answers `select 1` and then goes silent
    await firstQuery(client, Math.max(1, deadlineMs - (Date.now() - started)), () => assertOwnSession(client, options));
  } catch (error) {
    // timeout 0: drop the sockets now, which also ends postgres.js's reconnecting.
    await client.end({ timeout: 0 }).catch(() => undefined);
    const advice = tlsAdvice(error, url) ?? poolerAdvice(error);
    throw new DatabaseUnreachableError(target, advice ? new Error(`${describeCause(error)} — ${advice}`) : error);
  }
  const db = drizzlePostgres(client, { schema }) as unknown as Database;
  /** holdLock's own clients, ended with the pool when the server stops answering */
  const lockClients = new Set<postgres.Sql>();
  const stopWatching =
    options.stallDeadlineMs && endpoint
      ? watchAnswers(endpoint, options.stallDeadlineMs, () => {
          options.onStall?.(
            `the database at ${target} has not answered for ${options.stallDeadlineMs! / 1_000} s (a stopped server, a hung machine or network): its connections are closed, what was in flight fails`,
          );
          for (const sql of [client, ...lockClients]) void sql.end({ timeout: 0 }).catch(() => undefined);
        })
      : () => undefined;
  return {
    db,
    kind: 'postgres',
    target,
    rawTransaction: (work) =>
      client.begin((tx) =>
        work({
          query: async (text, params = []) => [...(await tx.unsafe(text, params as postgres.ParameterOrJSON<never>[]))] as never[],
          exec: async (text) => void (await tx.unsafe(text)),
        }),
      ) as Promise<Awaited<ReturnType<typeof work>>>,
    holdLock: async (name, lockOptions = {}) => {
      // A session lock needs one connection for its whole life: a client of one connection of
      // its own, not client.reserve(), which never hands over a connection it had to open
      // when fetch_types is off (postgres.js: the reserve then waits for ever).
      let held = false;
      let released = false;
      let lost = false;
      // postgres.js calls onclose whenever the connection closes (also at our own end()): only a close
      // after the lock was taken and before its release is a loss
      const own = connectTo(1, false, () => {
        if (!held || released || lost) return;
        lost = true;
        clearInterval(heartbeat);
        // nothing more on this client: a query queued on it would open a new session, without the lock
        void own.end({ timeout: 0 }).catch(() => undefined);
        lockOptions.onLost?.(LOCK_LOST_REASON);
      });
      lockClients.add(own);
      try {
        await own`SELECT pg_advisory_lock(${LOCK_NAMESPACE}, hashtext(${name}))`;
        held = true;
      } catch (error) {
        await own.end({ timeout: 0 }).catch(() => undefined);
        lockClients.delete(own);
        throw error;
      }
      // One SELECT 1 at a time, every LOCK_HEARTBEAT_MS, off the dispatch's path: the session is never idle
      // long enough for idle_session_timeout, and a connection the server dropped without a word (its
      // machine restarted) is noticed by the write. A failure closes the connection: onclose says lost.
      let asking = false;
      const heartbeat = setInterval(() => {
        if (asking || lost || released) return;
        asking = true;
        own`SELECT 1`.catch(() => undefined).finally(() => (asking = false));
      }, LOCK_HEARTBEAT_MS);
      heartbeat.unref();
      return async () => {
        if (released) return;
        released = true;
        clearInterval(heartbeat);
        if (!lost) await own`SELECT pg_advisory_unlock(${LOCK_NAMESPACE}, hashtext(${name}))`.catch(() => undefined);
        await own.end({ timeout: lost ? 0 : 5 }).catch(() => undefined);
        lockClients.delete(own);
      };
    },
    close: async (closeOptions = {}) => {
      stopWatching();
      // the lock holders' clients too, whose locks were not released (a backend's `finally { conn.close() }`
      // after an error, its outbox sender still open): left open, such a client kept its session, so
      // other dispatchers saw the lock held, and its socket kept the process from ever exiting.
      // Their holders hear onLost: the lock is gone before its release. `now`: nothing of this connection is left
      // waiting on the server, and the pool's own end does not fail the close either.
      const timeout = closeOptions.now ? 0 : 5;
      const pool = client.end({ timeout });
      const locks = [...lockClients].map((sql) => sql.end({ timeout }).catch(() => undefined));
      await Promise.all([closeOptions.now ? pool.catch(() => undefined) : pool, ...locks]);
    },
  };
}

/**
 * PGlite keeps its data directory to one process: a second one would see a
 * stale copy or corrupt it (two openers at once lost committed rows). The lock
 * file `veza.lock` names its holder; a second opener is refused while the
 * holder runs, a lock whose holder is gone is taken over (acquirePidLock).
 * A held lock that names another folder came along with a copy (or a move) of
 * the folder: the refusal says so rather than "in use".
 */
function lockDataDir(dir: string): () => void {
  const lockFile = join(dir, 'veza.lock');
  try {
    return acquirePidLock(lockFile);
  } catch (error) {
    if (error instanceof LockHeldError) {
      const held = error.holder?.path;
      const copiedFrom = held && held !== lockFile && !sameFolder(dirname(held), dir) ? dirname(held) : undefined;
      throw new DatabaseBusyError(dir, error.holder?.pid ?? 0, lockFile, copiedFrom);
    }
    throw folderUnusable(dir, error);
  }
}

/**
 * PostgreSQL creates postmaster.pid as it starts, then writes its pid into it: a process killed in
 * between (kill -9, a power cut) leaves the file empty, and PostgreSQL refuses every later start
 * ("lock file "postmaster.pid" is empty"; PGlite only says it failed to initialize). Once veza.lock is
 * ours no other process uses this folder, so the empty remnant is removed. One with content is left
 * to PostgreSQL (PGlite starts over a crashed one's as it does after any kill).
 */
function removeEmptyPostmasterPid(dir: string): void {
  const file = join(dir, 'postmaster.pid');
  try {
    if (statSync(file).size === 0) rmSync(file);
  } catch {
    // absent (the last process closed the database), or not ours to remove: PGlite's start says what is wrong
  }
}

/** The folder cannot be made, set or locked: the cause, and what to do about a read-only or another user's folder. */
function folderUnusable(dir: string, error: unknown): DatabaseUnreachableError {
  const advice = dataDirAdvice(error, dir);
  return new DatabaseUnreachableError(`embedded database ${dir}`, advice ? new Error(`${describeCause(error)} — ${advice}`) : error);
}

/** The PostgreSQL major version of the installed PGlite (0.5): a data folder of another major cannot be opened (a spec holds it to PGlite's own). */
export const PGLITE_POSTGRES_MAJOR = '18';

async function openPglite(dataDir: string, template: Blob | undefined): Promise<Connection> {
  const inMemory = dataDir.startsWith('memory://');
  const target = inMemory ? dataDir : resolve(dataDir);
  let pg: PGlite;
  let unlock = () => undefined as void;
  if (!inMemory) {
    const linkGone = dataDirLinkGone(target);
    if (linkGone) throw new DatabaseUnreachableError(`embedded database ${target}`, new Error(linkGone));
    try {
      mkdirSync(target, { recursive: true, mode: 0o700 });
      // PGlite writes its files 0666 whatever the umask: the folder keeps other users out (emails, names,
      // code digests), also when the operator made it beforehand with 0755
      chmodSync(target, 0o700);
    } catch (error) {
      throw folderUnusable(target, error);
    }
    // a folder of something else would get PostgreSQL's files written among its own
    const foreign = existsSync(join(target, 'PG_VERSION')) ? [] : readdirSync(target).filter((name) => name !== 'veza.lock');
    if (foreign.length > 0)
      throw new DatabaseUnreachableError(
        `embedded database ${target}`,
        new Error(
          `the folder holds other files (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}) and no database: give it an empty folder of its own`,
        ),
      );
    unlock = lockDataDir(target);
    removeEmptyPostmasterPid(target);
  }
  const madeBy = inMemory ? null : folderPostgresVersion(target);
  if (madeBy !== null && madeBy !== PGLITE_POSTGRES_MAJOR) {
    unlock();
    throw new DatabaseUnreachableError(
      `embedded database ${target}`,
      new Error(
        `the folder was made by PostgreSQL ${madeBy} (its PG_VERSION), another PGlite version than this one (PostgreSQL ${PGLITE_POSTGRES_MAJOR}), which cannot open it: open it with the veza-beta version that made it and move its data to PostgreSQL (DATABASE_URL), or set VEZA_DATA_DIR to a new folder; this one is left as it is`,
      ),
    );
  }
  try {
    const fromTemplate = template && (inMemory || !existsSync(join(target, 'PG_VERSION'))) ? { loadDataDir: template } : {};
    // PGlite's file system does not open a folder through a link (errno 44, as for a damaged folder): its real path
    pg = await PGlite.create({ ...(inMemory ? {} : { dataDir: realpathSync(target) }), ...fromTemplate });
  } catch (error) {
    unlock();
    throw new DatabaseUnreachableError(`embedded database ${target}`, new Error(pgliteStartFailure(error)));
  }
  const db = drizzlePglite(pg, { schema }) as unknown as Database;
  let closed = false;
  return {
    db,
    kind: 'pglite',
    target: inMemory ? 'embedded database (in memory)' : `embedded database ${target}`,
    ...(inMemory ? {} : { dataDir: target }),
    rawTransaction: (work) =>
      pg.transaction((tx) =>
        work({
          query: async <T>(text: string, params: unknown[] = []) => (await tx.query<T>(text, params)).rows,
          exec: async (text) => void (await tx.exec(text)),
        }),
      ),
    // One process owns a PGlite directory, so every lock is this process's own.
    holdLock: async (name) => {
      await pg.query('SELECT pg_advisory_lock($1, hashtext($2))', [LOCK_NAMESPACE, name]);
      let released = false;
      return async () => {
        // after close the lock went with the database, as on PostgreSQL (where the release then only ends what
        // is left): a release then threw "PGlite is closed" (a backend's sender.close() after its conn.close())
        if (released || closed) return;
        released = true;
        await pg.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_NAMESPACE, name]);
      };
    },
    close: async () => {
      closed = true;
      try {
        await pg.close();
      } finally {
        unlock();
      }
    },
  };
}

/**
 * The process's file-size limit (`ulimit -f`) in bytes, or null when there is
 * none (or Linux does not say).
 */
function fileSizeLimit(): number | null {
  try {
    const value = /^Max file size\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1];
    const bytes = Number(value);
    return value && value !== 'unlimited' && Number.isFinite(bytes) ? bytes : null;
  } catch {
    return null;
  }
}

/** PostgreSQL's largest files: a relation's segments (1 GiB); its write-ahead log's are 16 MiB. */
const POSTGRES_SEGMENT_BYTES = 2 ** 30;

/**
 * Why PGlite did not start, for an operator: its own words ("Aborted(). Build
 * with -sASSERTIONS…", "PGlite failed to initialize properly") name neither
 * the disk nor the folder, which are the usual causes. A file-size limit
 * (`ulimit -f`) below PostgreSQL's file sizes is said first: under one, PGlite
 * aborted at start ("is its disk full … damaged") with the disk half empty.
 */
export function pgliteStartFailure(error: unknown, limit = fileSizeLimit()): string {
  // Its file system's errors are plain objects ({ name: 'ErrnoError', errno }), printed as "[object Object]"
  const errno =
    (error as { name?: unknown; errno?: unknown } | null)?.name === 'ErrnoError' ? (error as { errno: unknown }).errno : undefined;
  const message =
    errno !== undefined
      ? errno === 51 // Emscripten's ENOSPC
        ? 'no space left on the device [ENOSPC]'
        : `file system error ${JSON.stringify(errno)} (Emscripten errno) in the embedded database`
      : error instanceof Error
        ? error.message
        : String(error);
  const sizeLimit =
    limit !== null && limit < POSTGRES_SEGMENT_BYTES
      ? `this process may write files of at most ${limit} bytes (ulimit -f), and PostgreSQL writes files of 16 MiB (its write-ahead log) and more: raise the limit (ulimit -f unlimited) and run the command again; the data is kept. Otherwise: `
      : '';
  if (errno !== undefined)
    return `${message} — the embedded database did not start: ${sizeLimit}free some space or fix its folder, then run the command again; the data is kept`;
  if (!/Aborted\(\)|failed to initiali[sz]e|RuntimeError|ENOSPC/i.test(message)) return message;
  return `${message.split('\n')[0]!.slice(0, 200)} — the embedded database did not start: ${sizeLimit}is its disk full, or its folder damaged or from another version? Free some space and run the command again; the data is kept`;
}
