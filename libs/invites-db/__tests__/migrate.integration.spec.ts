import { copyFileSync, mkdtempSync, writeFileSync, appendFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { getTableConfig } from 'drizzle-orm/pg-core';
import type { PgTable } from 'drizzle-orm/pg-core';
import postgres from 'postgres';
import {
  assertMigrated,
  assertReady,
  createInvites,
  defaultMigrationsDir,
  lookupInvite,
  migrationStatus,
  openDatabase,
  readMigrationFiles,
  redeemInvite,
  runMigrations,
} from '../src/index.js';
import { MIGRATION_LOCK_KEY } from '../src/migrate.js';
import {
  apiRateLimits,
  betaInviteLeftOut,
  betaInvites,
  decisions,
  gateAnnouncements,
  gateRuns,
  migrationsTable,
  users,
  welcomeOutbox,
} from '../src/schema.js';
import { openTestDatabase, testBackends } from '../src/testing.js';
import type { Connection } from '../src/index.js';
import { rows } from './query-rows.js';

/** Normalises a type name as information_schema and drizzle spell it. */
/**
 * A psql session left inside a transaction that wrote an invite (ROW EXCLUSIVE on beta_invites): `isLocked` once
 * it wrote, `release()` ends it, `held` is its transaction.
 */
function holdInviteWrite(holder: Connection): { release: () => void; held: Promise<void>; isLocked: Promise<void> } {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let locked!: () => void;
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const held = holder.rawTransaction(async (tx) => {
    await tx.query(`INSERT INTO beta_invites (code_digest, email, cohort) VALUES ($1, 'held@example.org', 'c')`, ['d'.repeat(64)]);
    locked();
    await released;
  });
  return { release, held, isLocked };
}

function typeName(t: string): string {
  return (
    (
      {
        'timestamp with time zone': 'timestamp with time zone',
        integer: 'integer',
        text: 'text',
        uuid: 'uuid',
        bigserial: 'bigint',
        bigint: 'bigint',
        jsonb: 'jsonb',
        'text[]': 'ARRAY',
      } as Record<string, string>
    )[t] ?? t
  );
}

describe.each(testBackends())('migrations on $name', (backend) => {
  let conn: Connection;
  beforeAll(async () => {
    conn = await openTestDatabase(backend);
  }, 120_000);
  afterAll(() => conn?.close());

  it.each([
    ['users', users],
    ['beta_invites', betaInvites],
    ['veza_beta_migrations', migrationsTable],
    ['gate_runs', gateRuns],
    ['api_rate_limits', apiRateLimits],
    ['welcome_outbox', welcomeOutbox],
    ['decisions', decisions],
    ['beta_invite_left_out', betaInviteLeftOut],
    ['gate_announcements', gateAnnouncements],
  ] as [string, PgTable][])('the migrated %s table matches the drizzle schema', async (name, table) => {
    const config = getTableConfig(table);
    const columns = await rows<{ column_name: string; data_type: string; is_nullable: string; column_default: string | null }>(
      conn,
      sql`SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns WHERE table_name = ${name} ORDER BY column_name`,
    );
    expect(columns.map((c) => [c.column_name, typeName(c.data_type), c.is_nullable === 'NO', c.column_default !== null]).sort()).toEqual(
      config.columns
        .map((c) => [
          c.name,
          typeName(c.getSQLType().replace(/^timestamp with time zone$/, 'timestamp with time zone')),
          c.notNull,
          c.hasDefault,
        ])
        .sort(),
    );
    const indexes = await rows<{ indexname: string }>(
      conn,
      sql`SELECT indexname FROM pg_indexes WHERE tablename = ${name} AND indexname NOT LIKE '%_pkey'`,
    );
    expect(indexes.map((i) => i.indexname).sort()).toEqual(config.indexes.map((i) => i.config.name).sort());
    const checks = await rows<{ conname: string }>(
      conn,
      sql`SELECT conname FROM pg_constraint WHERE conrelid = ${name}::regclass AND contype = 'c'`,
    );
    expect(checks.map((c) => c.conname).sort()).toEqual(config.checks.map((c) => c.name).sort());
    const fks = await rows<{ confdeltype: string }>(
      conn,
      sql`SELECT confdeltype FROM pg_constraint WHERE conrelid = ${name}::regclass AND contype = 'f'`,
    );
    const onDelete: Record<string, string> = { 'set null': 'n', cascade: 'c' };
    expect(fks.map((f) => f.confdeltype)).toEqual(config.foreignKeys.map((fk) => onDelete[fk.onDelete ?? ''] ?? fk.onDelete));
  });

  it('is idempotent and records each file with its checksum', async () => {
    const again = await runMigrations(conn);
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toContain('990_beta_invites.sql');
    expect(await migrationStatus(conn)).toMatchObject({ pending: [], edited: [] });
  });

  it('leaves an existing users table untouched', async () => {
    const fresh = await openTestDatabase(backend, { migrate: false });
    try {
      await fresh.db.execute(sql`CREATE TABLE users (id uuid PRIMARY KEY, email text, display_name text NOT NULL)`);
      await runMigrations(fresh);
      const cols = await rows<{ column_name: string }>(
        fresh,
        sql`SELECT column_name FROM information_schema.columns WHERE table_name = 'users' ORDER BY column_name`,
      );
      expect(cols.map((c) => c.column_name)).toEqual(['display_name', 'email', 'id']);
    } finally {
      await fresh.close();
    }
  });
});

describe('migration runner safety', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'veza-migrations-'));
    copyFileSync(join(defaultMigrationsDir(), '990_beta_invites.sql'), join(dir, '990_beta_invites.sql'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses to continue when an applied file was edited, naming it', async () => {
    const conn = await openDatabase({ dataDir: 'memory://' });
    try {
      await runMigrations(conn, dir);
      appendFileSync(join(dir, '990_beta_invites.sql'), '\n-- edited\n');
      writeFileSync(join(dir, '991_more.sql'), 'CREATE TABLE more (x int);');
      await expect(runMigrations(conn, dir)).rejects.toMatchObject({ code: 'INVITES_MIGRATION_EDITED', file: '990_beta_invites.sql' });
      expect(await migrationStatus(conn, dir)).toEqual({ applied: [], pending: ['991_more.sql'], edited: ['990_beta_invites.sql'] });
    } finally {
      await conn.close();
    }
  });

  it('rolls back a failing file completely and names it', async () => {
    writeFileSync(join(dir, '991_broken.sql'), 'CREATE TABLE half (x int);\nSELECT no_such_function();');
    const conn = await openDatabase({ dataDir: 'memory://' });
    try {
      await expect(runMigrations(conn, dir)).rejects.toMatchObject({ code: 'INVITES_MIGRATION_FAILED', file: '991_broken.sql' });
      const half = await rows<{ t: string | null }>(conn, sql`SELECT to_regclass('half')::text AS t`);
      expect(half[0]?.t).toBeNull();
      expect((await migrationStatus(conn, dir)).pending).toEqual(['991_broken.sql']);
    } finally {
      await conn.close();
    }
  });

  it("refuses the shell scripts' own beta_invites (codes in clear) with what to do, instead of failing on a missing column", async () => {
    const conn = await openDatabase({ dataDir: 'memory://' });
    try {
      await conn.rawTransaction((tx) =>
        tx.exec(`CREATE TABLE beta_invites (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), code varchar(16) NOT NULL UNIQUE, email text NOT NULL,
          cohort text NOT NULL, used_at timestamptz, expires_at timestamptz NOT NULL DEFAULT now() + interval '30 days');
          INSERT INTO beta_invites (code, email, cohort) VALUES ('ABCDEFGHJKMNPQRS', 'a@example.org', 'creators');`),
      );
      const refused = runMigrations(conn);
      await expect(refused).rejects.toMatchObject({ code: 'INVITES_MIGRATION_FAILED', file: '990_beta_invites.sql' });
      await expect(refused).rejects.toThrow('beta_invites already exists as the shell scripts made it');
      const kept = await rows<{ n: number }>(conn, sql`SELECT count(*)::int AS n FROM beta_invites WHERE code = 'ABCDEFGHJKMNPQRS'`);
      expect(kept[0]?.n).toBe(1);
    } finally {
      await conn.close();
    }
  });

  it("refuses a search_path that would hide Veza's users table behind a new, empty one", async () => {
    const conn = await openDatabase({ dataDir: 'memory://' });
    try {
      await conn.rawTransaction((tx) =>
        tx.exec(`CREATE TABLE public.users (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), email text NOT NULL); CREATE SCHEMA beta;`),
      );
      await conn.rawTransaction((tx) => tx.exec('SET search_path = beta, public')); // one connection: it stays set
      const refused = runMigrations(conn);
      await expect(refused).rejects.toMatchObject({ code: 'INVITES_MIGRATION_FAILED' });
      await expect(refused).rejects.toThrow('the search_path creates tables in beta but finds users in public');
      const shadow = await rows<{ t: string | null }>(conn, sql`SELECT to_regclass('beta.users')::text AS t`);
      expect(shadow[0]?.t).toBeNull();
    } finally {
      await conn.close();
    }
  });

  const pg = testBackends().find((b) => b.name === 'postgres');
  (pg ? it : it.skip)('two runners started at once apply each file exactly once (postgres)', async () => {
    writeFileSync(join(dir, '991_counter.sql'), 'CREATE TABLE counter (n int); INSERT INTO counter VALUES (1);');
    const base = await openTestDatabase(pg!, { migrate: false });
    const [a, b] = await Promise.all([openDatabase({ databaseUrl: base.url }), openDatabase({ databaseUrl: base.url })]);
    try {
      const [ra, rb] = await Promise.all([runMigrations(a, dir), runMigrations(b, dir)]);
      expect([...ra.applied, ...rb.applied].sort()).toEqual(['990_beta_invites.sql', '991_counter.sql']);
      const count = await rows<{ n: number }>(base, sql`SELECT count(*)::int AS n FROM counter`);
      expect(count[0]?.n).toBe(1);
    } finally {
      await Promise.all([a.close(), b.close(), base.close()]);
    }
  });

  (pg ? it : it.skip)('a role that may not create in public (PostgreSQL 15) is told which role migrates (postgres)', async () => {
    const base = await openTestDatabase(pg!, { migrate: false });
    const role = `veza_app_${Math.random().toString(36).slice(2, 10)}`;
    await base.db.execute(sql.raw(`CREATE ROLE ${role} LOGIN PASSWORD 'app-pw'; REVOKE CREATE ON SCHEMA public FROM PUBLIC`));
    const url = new URL(base.url!);
    url.username = role;
    url.password = 'app-pw';
    const app = await openDatabase({ databaseUrl: url.toString() });
    try {
      await expect(runMigrations(app, dir)).rejects.toThrow(
        /permission denied for schema public — the role in DATABASE_URL may not create or change these tables: run db migrate as the owner/,
      );
    } finally {
      await app.close();
      await base.db.execute(sql.raw(`DROP ROLE ${role}`)).catch(() => undefined);
      await base.close();
    }
  });

  (pg ? it : it.skip)(
    'a backend migrating at every start: with nothing left to apply, an app role without CREATE and a read-only session find nothing to do; a pending file on a read-only session is INVITES_DB_READ_ONLY naming it (postgres)',
    async () => {
      const base = await openTestDatabase(pg!);
      const role = `veza_app_${Math.random().toString(36).slice(2, 10)}`;
      const all = readMigrationFiles().map((f) => f.name);
      await base.db.execute(
        sql.raw(`CREATE ROLE ${role} LOGIN PASSWORD 'app-pw'; REVOKE CREATE ON SCHEMA public FROM PUBLIC;
          GRANT USAGE ON SCHEMA public TO ${role}; GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role}`),
      );
      const appUrl = new URL(base.url!);
      appUrl.username = role;
      appUrl.password = 'app-pw';
      const readOnlyUrl = new URL(base.url!);
      readOnlyUrl.searchParams.set('options', '-c default_transaction_read_only=on');
      const app = await openDatabase({ databaseUrl: appUrl.toString() });
      const readOnly = postgres(readOnlyUrl.toString(), { max: 1, fetch_types: false, onnotice: () => undefined }); // a backend's own client
      try {
        await expect(runMigrations(app)).resolves.toEqual({ applied: [], alreadyApplied: all });
        await expect(runMigrations(readOnly)).resolves.toEqual({ applied: [], alreadyApplied: all });
        for (const name of all) copyFileSync(join(defaultMigrationsDir(), name), join(dir, name));
        writeFileSync(join(dir, '999_next.sql'), 'CREATE TABLE next_one (x int);');
        const refused = runMigrations(readOnly, dir);
        await expect(refused).rejects.toMatchObject({ code: 'INVITES_DB_READ_ONLY' });
        await expect(refused).rejects.toThrow(
          'the database is read-only for this session (a standby, or default_transaction_read_only) and lacks 999_next.sql; nothing was applied',
        );
        const next = await rows<{ t: string | null }>(base, sql`SELECT to_regclass('next_one')::text AS t`);
        expect(next[0]?.t).toBeNull();
      } finally {
        await Promise.all([app.close(), readOnly.end()]);
        await base.db.execute(sql.raw(`DROP OWNED BY ${role}; DROP ROLE ${role}`)).catch(() => undefined);
        await base.close();
      }
    },
    60_000,
  );

  (pg ? it : it.skip)(
    "waits for another runner's lock past the session's lock_timeout (the CLI's DATABASE_STALL_TIMEOUT), which still applies to the statements (postgres)",
    async () => {
      const base = await openTestDatabase(pg!, { migrate: false });
      const holder = await openDatabase({ databaseUrl: base.url });
      const runner = await openDatabase({ databaseUrl: base.url, lockTimeoutMs: 300 });
      try {
        let release!: () => void;
        const released = new Promise<void>((resolve) => (release = resolve));
        const held = holder.rawTransaction(async (tx) => {
          await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
          await released;
        });
        await new Promise((resolve) => setTimeout(resolve, 200));
        const migrating = runMigrations(runner, dir);
        await new Promise((resolve) => setTimeout(resolve, 1_000)); // past the 300 ms lock_timeout
        release();
        await held;
        expect((await migrating).applied).toEqual(['990_beta_invites.sql']);
        const [setting] = await rows<{ t: string }>(runner, sql`SELECT current_setting('lock_timeout') AS t`);
        expect(setting?.t).toBe('300ms');
      } finally {
        await Promise.all([holder.close(), runner.close(), base.close()]);
      }
    },
  );

  (pg ? it : it.skip)(
    'a migration that waits past its lock_timeout for a table another session keeps says who may hold it and what to do, nothing applied (postgres)',
    async () => {
      const base = await openTestDatabase(pg!, { migrate: false });
      await runMigrations(base, dir);
      // a psql session left inside a transaction that wrote an invite (ROW EXCLUSIVE): a CREATE INDEX (SHARE) waits for it
      writeFileSync(join(dir, '991_index.sql'), 'CREATE INDEX beta_invites_name_idx ON beta_invites (name);');
      const holder = await openDatabase({ databaseUrl: base.url });
      const runner = await openDatabase({ databaseUrl: base.url, lockTimeoutMs: 300 });
      const { release, held, isLocked } = holdInviteWrite(holder);
      try {
        await isLocked;
        const failed = await runMigrations(runner, dir).then(
          () => 'applied',
          (error: Error & { code?: string }) => `${error.code} ${error.message}`,
        );
        expect(failed).toBe(
          'INVITES_MIGRATION_FAILED migration 991_index.sql failed and was rolled back: canceling statement due to lock timeout — another session kept a table this migration changes (a transaction left open in psql, a long prepare or dispatch; see pg_stat_activity, state "idle in transaction"): nothing of this migration was applied; end that session, or run db migrate when nothing else writes, then run it again',
        );
        release();
        await held;
        expect((await runMigrations(runner, dir)).applied).toEqual(['991_index.sql']);
      } finally {
        release();
        await held.catch(() => undefined);
        await Promise.all([holder.close(), runner.close(), base.close()]);
      }
    },
  );

  /** Resolves once a session other than `watcher`'s waits for a lock on beta_invites (polled, up to 10 s). */
  async function someoneWaitsForInvites(watcher: Connection): Promise<void> {
    for (const until = Date.now() + 10_000; Date.now() < until;) {
      const [row] = await rows<{ n: number }>(
        watcher,
        sql`SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND relation = 'beta_invites'::regclass`,
      );
      if (row && row.n > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('no session waited for a lock on beta_invites within 10 s');
  }

  (pg ? it : it.skip)(
    "a migration waiting for a table another session keeps does not hold the API's redeems past its 5 s statement_timeout, and applies once the table is free (postgres)",
    async () => {
      const base = await openTestDatabase(pg!, { migrate: false });
      await runMigrations(base, defaultMigrationsDir());
      const [invite] = await createInvites(base.db, [{ email: 'redeemer@example.org', cohort: 'c' }]);
      if (invite?.status !== 'created') throw new Error('no invite');
      for (const file of readMigrationFiles()) copyFileSync(join(defaultMigrationsDir(), file.name), join(dir, file.name));
      // two statements: the first gets its lock at once, the second (SHARE) waits for the holder's ROW EXCLUSIVE
      writeFileSync(
        join(dir, '2000_index.sql'),
        'CREATE TABLE veza_test_marker (id int); CREATE INDEX beta_invites_name_idx ON beta_invites (name);',
      );
      const holder = await openDatabase({ databaseUrl: base.url });
      // the CLI's db migrate: DATABASE_STALL_TIMEOUT as its lock_timeout, here 20 s
      const runner = await openDatabase({ databaseUrl: base.url, lockTimeoutMs: 20_000 });
      // the redemption API's pool (apps/redemption-api: statementTimeoutMs 5 000)
      const api = await openDatabase({ databaseUrl: base.url, statementTimeoutMs: 5_000 });
      const { release, held, isLocked } = holdInviteWrite(holder);
      let migrating: Promise<string[]> | undefined;
      try {
        await isLocked;
        migrating = runMigrations(runner, dir).then((result) => result.applied);
        await someoneWaitsForInvites(base);
        // before: the redeem queued behind the migration's SHARE request for all of its 20 s, cut at 5 s (57014)
        const redeemed = await redeemInvite(api.db, invite.code).catch(
          (error: Error & { code?: string }) => `${error.code} ${error.message}`,
        );
        expect(redeemed).toMatchObject({ ok: true });
        expect((await lookupInvite(api.db, invite.code)).state).toBe('used');
        release();
        await held;
        expect(await migrating).toEqual(['2000_index.sql']);
        const [made] = await rows<{ marker: string | null; index: string | null }>(
          base,
          sql`SELECT to_regclass('veza_test_marker')::text AS marker, to_regclass('beta_invites_name_idx')::text AS index`,
        );
        expect(made).toEqual({ marker: 'veza_test_marker', index: 'beta_invites_name_idx' });
        const recorded = await rows<{ n: number }>(
          base,
          sql`SELECT count(*)::int AS n FROM veza_beta_migrations WHERE name = '2000_index.sql'`,
        );
        expect(recorded[0]?.n).toBe(1);
      } finally {
        release();
        await held.catch(() => undefined);
        await migrating?.catch(() => undefined);
        await Promise.all([holder.close(), runner.close(), api.close(), base.close()]);
      }
    },
    60_000,
  );

  (pg ? it : it.skip)(
    'a migration that never gets its lock before its deadline leaves nothing behind, not even the statements that got theirs (postgres)',
    async () => {
      const base = await openTestDatabase(pg!, { migrate: false });
      await runMigrations(base, dir);
      writeFileSync(
        join(dir, '991_index.sql'),
        'CREATE TABLE veza_test_marker (id int); CREATE INDEX beta_invites_name_idx ON beta_invites (name);',
      );
      const holder = await openDatabase({ databaseUrl: base.url });
      const runner = await openDatabase({ databaseUrl: base.url, lockTimeoutMs: 3_000 });
      const { release, held, isLocked } = holdInviteWrite(holder);
      try {
        await isLocked;
        const failed = await runMigrations(runner, dir).then(
          () => 'applied',
          (error: Error & { code?: string }) => `${error.code} ${error.message}`,
        );
        expect(failed).toMatch(
          /^INVITES_MIGRATION_FAILED migration 991_index\.sql failed and was rolled back: canceling statement due to lock timeout — another session kept a table/,
        );
        const [left] = await rows<{ marker: string | null; index: string | null; n: number }>(
          base,
          sql`SELECT to_regclass('veza_test_marker')::text AS marker, to_regclass('beta_invites_name_idx')::text AS index,
                (SELECT count(*)::int FROM veza_beta_migrations WHERE name = '991_index.sql') AS n`,
        );
        expect(left).toEqual({ marker: null, index: null, n: 0 });
        const [setting] = await rows<{ t: string }>(runner, sql`SELECT current_setting('lock_timeout') AS t`);
        expect(setting?.t).toBe('3s');
      } finally {
        release();
        await held.catch(() => undefined);
        await Promise.all([holder.close(), runner.close(), base.close()]);
      }
    },
    60_000,
  );

  (pg ? it : it.skip)(
    "a backend's session with a statement_timeout and no lock_timeout: the migration keeps trying only that long, then says who may hold the table (postgres)",
    async () => {
      const base = await openTestDatabase(pg!, { migrate: false });
      await runMigrations(base, dir);
      writeFileSync(join(dir, '991_index.sql'), 'CREATE INDEX beta_invites_name_idx ON beta_invites (name);');
      const holder = await openDatabase({ databaseUrl: base.url });
      // a backend's pool: statement_timeout 2 s, no lock_timeout (before the tries, the CREATE INDEX was cut at 2 s)
      const runner = await openDatabase({ databaseUrl: base.url, statementTimeoutMs: 2_000 });
      const { release, held, isLocked } = holdInviteWrite(holder);
      // the holder ends after 20 s whatever happens: a migration still trying then applies (it tried for ever, one second at a time)
      const giveUp = setTimeout(release, 20_000);
      try {
        await isLocked;
        const outcome = await runMigrations(runner, dir).then(
          () => 'applied once the holder ended',
          (error: Error & { code?: string }) => `${error.code} ${error.message}`,
        );
        expect(outcome).toMatch(
          /^INVITES_MIGRATION_FAILED migration 991_index\.sql failed and was rolled back: canceling statement due to lock timeout — another session kept a table/,
        );
        const [left] = await rows<{ index: string | null }>(base, sql`SELECT to_regclass('beta_invites_name_idx')::text AS index`);
        expect(left).toEqual({ index: null });
      } finally {
        clearTimeout(giveUp);
        release();
        await held.catch(() => undefined);
        await Promise.all([holder.close(), runner.close(), base.close()]);
      }
    },
    60_000,
  );

  (pg ? it : it.skip)('refuses a database that is not UTF8 before applying anything, saying how to create one (postgres)', async () => {
    const base = await openTestDatabase(pg!, { migrate: false });
    const name = `veza_latin1_${Date.now()}`;
    const admin = postgres(base.url!, { max: 1, onnotice: () => undefined });
    try {
      await admin.unsafe(`CREATE DATABASE ${name} ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0`);
      const url = new URL(base.url!);
      url.pathname = `/${name}`;
      const latin1 = await openDatabase({ databaseUrl: url.toString() });
      try {
        const refused = runMigrations(latin1);
        await expect(refused).rejects.toMatchObject({ code: 'INVITES_MIGRATION_FAILED' });
        await expect(refused).rejects.toThrow(
          "the database's encoding is LATIN1; veza-beta needs UTF8 (create it with: createdb -E UTF8 -T template0 NAME)",
        );
        const tables = await rows<{ t: string | null }>(latin1, sql`SELECT to_regclass('beta_invites')::text AS t`);
        expect(tables[0]?.t).toBeNull();
      } finally {
        await latin1.close();
      }
    } finally {
      await admin.end();
      await base.close();
    }
  });

  (pg ? it : it.skip)(
    'assertReady: a read-only session (a standby, default_transaction_read_only) is INVITES_DB_READ_ONLY; assertMigrated, which every CLI command runs first, still passes there (postgres)',
    async () => {
      const base = await openTestDatabase(pg!);
      const url = base.url!;
      try {
        copyFileSync(join(defaultMigrationsDir(), '990_beta_invites.sql'), join(dir, '990_beta_invites.sql'));
        writeFileSync(join(dir, '999_next.sql'), 'CREATE TABLE next_one (x int);');
        await expect(assertReady(base)).resolves.toBeUndefined();
        await base.rawTransaction((tx) =>
          tx.exec(`DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET default_transaction_read_only = on', current_database()); END $$`),
        );
      } finally {
        await base.close();
      }
      const readOnly = await openDatabase({ databaseUrl: url });
      try {
        await expect(assertReady(readOnly)).rejects.toMatchObject({ code: 'INVITES_DB_READ_ONLY' });
        await expect(assertMigrated(readOnly)).resolves.toBeUndefined(); // invites report on a standby still works
      } finally {
        await readOnly.close();
      }
    },
  );
});
