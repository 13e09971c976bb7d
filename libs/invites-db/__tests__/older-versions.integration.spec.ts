import { expect } from '@jest/globals';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import {
  claimInvitesForSend,
  clearUnknownClaims,
  createInvites,
  defaultMigrationsDir,
  digestCode,
  dispatchStep,
  emailDigest,
  forgetLeftOut,
  generateCode,
  listDecisions,
  openDatabase,
  readMigrationFiles,
  runMigrations,
} from '../src/index.js';
import type { Connection } from '../src/index.js';
import { openTestDatabase, testBackends } from '../src/testing.js';
import { refusal, rows } from './query-rows.js';

/**
 * Databases shared with other versions of veza-beta: a teammate who has not
 * updated, a backend with an older packed @veza/invites-db, a database set up
 * before the latest migrations.
 */

/** The claim statement of veza-beta as of 2026-11-23 (fae34ad), word for word: it sent the folder's .eml without comparing its code. */
const claimOf20261123 = (ids: string[], worker: string) => sql`
        UPDATE beta_invites SET send_claimed_at = now(), send_claimed_by = ${worker}
        WHERE id IN (
          SELECT id FROM beta_invites
          WHERE id = ANY(${`{${ids.join(',')}}`}::uuid[])
            AND sent_at IS NULL AND send_claimed_at IS NULL AND revoked_at IS NULL AND used_at IS NULL
          ORDER BY created_at, id
          LIMIT ${ids.length}
          FOR UPDATE SKIP LOCKED)
        RETURNING id::text AS id`;

describe.each(testBackends())('a claim by an older veza-beta, on $name', (backend) => {
  let conn: Connection;
  beforeAll(async () => {
    conn = await openTestDatabase(backend);
  }, 120_000);
  afterAll(() => conn?.close());

  const claimedIds = async (ids: string[]) =>
    (
      await rows<{ id: string }>(
        conn,
        sql`SELECT id::text AS id FROM beta_invites WHERE send_claimed_at IS NOT NULL AND id = ANY(${`{${ids.join(',')}}`}::uuid[])`,
      )
    ).map((r) => r.id);

  it('is refused with what to do (996_claim_guard.sql), nothing claimed; this version claims, before and after it', async () => {
    const created = await createInvites(conn.db, [
      { email: 'old-1@example.org', cohort: 'upgrade' },
      { email: 'old-2@example.org', cohort: 'upgrade' },
      { email: 'old-3@example.org', cohort: 'upgrade' },
    ]);
    const ids = created.map((c) => (c.status === 'created' ? c.id : ''));

    // a teammate still on the 2026-11-23 version dispatches: refused before anything is claimed (so before any send)
    expect(await refusal(conn.db.execute(claimOf20261123(ids, 'vm:1:old')))).toMatch(
      /^55000 this veza-beta is older than the database \(migration 996_claim_guard\.sql\): it may send codes replaced since; update veza-beta/,
    );
    expect(await claimedIds(ids)).toEqual([]);

    // this version's claims, with the digests it checks the .eml files against
    const step = await dispatchStep(conn.db, { sentIds: [], claimIds: [ids[0]!], worker: 'vm:2:new', limit: 1 });
    expect(step.claims.map((c) => c.id)).toEqual([ids[0]]);
    expect(await claimInvitesForSend(conn.db, [ids[1]!], 'vm:2:new', 1)).toEqual([ids[1]]);

    // the setting lasted for those statements only: the old statement on the same connections is still refused
    expect(await refusal(conn.db.execute(claimOf20261123([ids[2]!], 'vm:1:old')))).toMatch(/^55000 this veza-beta is older/);

    // --resend-unknown: a dead claim cleared, then claimed again by this version
    expect(await clearUnknownClaims(conn.db, [ids[0]!])).toBe(1);
    const again = await dispatchStep(conn.db, { sentIds: [], claimIds: [ids[0]!], worker: 'vm:3:new', limit: 1 });
    expect(again.claims.map((c) => c.id)).toEqual([ids[0]]);
    expect((await claimedIds(ids)).sort()).toEqual([ids[0], ids[1]].sort());
  });
});

/**
 * The insert of veza-beta as of 2026-11-29 morning (e00e701, before 997_left_out.sql), word for word: it knew
 * nothing of beta_invite_left_out, so its prepare invited again an address kept there.
 */
const insertOf20261129 = (email: string) => sql`
      INSERT INTO beta_invites (code_digest, email, cohort, name, role, sent_by, expires_at)
      SELECT r.d, r.e, r.c, r.n, r.r, r.s, now() + make_interval(days => ${30}::int)
      FROM jsonb_to_recordset(${JSON.stringify([{ d: digestCode(generateCode()), e: email, c: 'again', n: null, r: null, s: null }])}::jsonb) AS r(d text, e text, c text, n text, r text, s uuid)
      ON CONFLICT (lower(email)) WHERE revoked_at IS NULL DO NOTHING
      RETURNING id::text AS id, code_digest AS digest, expires_at AS expires`;

describe.each(testBackends())('an invite by an older veza-beta for an address kept as left out, on $name', (backend) => {
  let conn: Connection;
  beforeAll(async () => {
    conn = await openTestDatabase(backend);
  }, 120_000);
  afterAll(() => conn?.close());

  const leaveOut = (email: string) =>
    conn.db.execute(sql`INSERT INTO beta_invite_left_out (email_digest, revoked_at) VALUES (${emailDigest(email)}, now())`);
  const liveInvites = async (email: string) =>
    (
      await rows<{ n: number }>(conn, sql`SELECT count(*)::int AS n FROM beta_invites WHERE lower(email) = ${email} AND revoked_at IS NULL`)
    )[0]?.n;

  it('is refused at its commit (1001_left_out_guard.sql), nothing kept; this version creates, and an old prepare that lifts the record is let be', async () => {
    await leaveOut('left-1@example.org');
    await leaveOut('left-2@example.org');

    // a teammate still on the 2026-11-29 morning version prepares a cohort file that lists the address
    const refused = await refusal(conn.db.transaction((tx) => tx.execute(insertOf20261129('left-1@example.org'))));
    expect(refused).toMatch(
      /55000 this veza-beta is older than the database \(migration 997_left_out\.sql, guarded by 1001_left_out_guard\.sql\): it invited an address that asked to be left out; update veza-beta/,
    );
    expect(await liveInvites('left-1@example.org')).toBe(0);
    // other addresses of the same version are not refused
    await conn.db.transaction((tx) => tx.execute(insertOf20261129('kept-in@example.org')));
    expect(await liveInvites('kept-in@example.org')).toBe(1);

    // 997 and later lift the record after the insert, in its transaction (prepare --reinvite-revoked): let be
    await conn.db.transaction(async (tx) => {
      await tx.execute(insertOf20261129('left-2@example.org'));
      await forgetLeftOut(tx, ['left-2@example.org']);
    });
    expect(await liveInvites('left-2@example.org')).toBe(1);

    // this version's createInvites says it knows of the record (a backend inviting the address on purpose wins)
    const created = await createInvites(conn.db, [{ email: 'left-1@example.org', cohort: 'again' }]);
    expect(created.map((c) => c.status)).toEqual(['created']);
    // ... for its own statement only: the old insert right after, on the same connections, is still refused
    await leaveOut('left-3@example.org');
    expect(await refusal(conn.db.transaction((tx) => tx.execute(insertOf20261129('left-3@example.org'))))).toMatch(
      /^55000 this veza-beta is older/,
    );
  });
});

describe('a database another version migrated', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'veza-versions-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('by an older one (990 and 991 only): a command names the missing table instead of "no beta_invites table"', async () => {
    for (const name of ['990_beta_invites.sql', '991_gate_runs.sql']) copyFileSync(join(defaultMigrationsDir(), name), join(dir, name));
    const conn = await openDatabase({ dataDir: 'memory://' });
    try {
      await runMigrations(conn, dir);
      const error = await listDecisions(conn.db).catch((e: unknown) => e as Error & { code: string });
      expect(error).toMatchObject({
        code: 'INVITES_DB_NOT_MIGRATED',
        message:
          "the database has no decisions table (added by a later migration than the ones applied there: an older veza-beta migrated it); run 'veza-beta db migrate' first",
      });
    } finally {
      await conn.close();
    }
  });

  // 1003_email_key_ascii.sql adds the unique index createInvites' ON CONFLICT names: without it each row
  // failed alone ("there is no unique or exclusion constraint matching the ON CONFLICT specification"),
  // and prepare said to fix the rows and prepare failed.csv again, which failed the same way
  it.each(testBackends())(
    'by an older one (before 1003): createInvites says to run db migrate, creates nothing, then creates once migrated, on $name',
    async (backend) => {
      for (const file of readMigrationFiles().filter((f) => Number(/^\d+/.exec(f.name)?.[0]) < 1003))
        copyFileSync(join(defaultMigrationsDir(), file.name), join(dir, file.name));
      const conn = await openTestDatabase(backend, { migrate: false });
      try {
        await runMigrations(conn, dir);
        const rowsIn = [
          { email: 'before-1003@example.org', cohort: 'upgrade' },
          { email: 'also-before@example.org', cohort: 'upgrade' },
        ];
        await expect(createInvites(conn.db, rowsIn)).rejects.toMatchObject({
          code: 'INVITES_DB_NOT_MIGRATED',
          message:
            "the database lacks a unique index this veza-beta's statements name (added by a later migration than the ones applied there: an older veza-beta migrated it); run 'veza-beta db migrate' first",
        });
        const [count] = await rows<{ n: number }>(conn, sql`SELECT count(*)::int AS n FROM beta_invites`);
        expect(count?.n).toBe(0);
        expect((await runMigrations(conn)).applied).toEqual(['1003_email_key_ascii.sql']);
        expect((await createInvites(conn.db, rowsIn)).map((o) => o.status)).toEqual(['created', 'created']);
      } finally {
        await conn.close();
      }
    },
    120_000,
  );

  it('by a newer one: db migrate refuses, naming the files it does not have, and applies nothing', async () => {
    const conn = await openDatabase({ dataDir: 'memory://' });
    try {
      await runMigrations(conn);
      // this version as an older one sees it: its files but the last, and one of its own still to apply
      const files = readMigrationFiles();
      for (const file of files.slice(0, -1)) copyFileSync(join(defaultMigrationsDir(), file.name), join(dir, file.name));
      writeFileSync(join(dir, '9999_older_branch.sql'), 'CREATE TABLE older_branch (x int);');
      await expect(runMigrations(conn, dir)).rejects.toMatchObject({
        code: 'INVITES_DB_NEWER',
        files: [files.at(-1)!.name],
        message: expect.stringContaining('which this veza-beta does not have: a newer veza-beta migrated it. Update this one'),
      });
      const [table] = await rows<{ t: string | null }>(conn, sql`SELECT to_regclass('older_branch')::text AS t`);
      expect(table?.t).toBeNull();
    } finally {
      await conn.close();
    }
  });
});
