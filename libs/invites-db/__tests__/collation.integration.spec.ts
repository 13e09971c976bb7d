import { expect } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import {
  cleanupExpiredInvites,
  createInvites,
  emailDigest,
  leftOutAddresses,
  defaultMigrationsDir,
  openDatabase,
  readMigrationFiles,
  revokeInvites,
  runMigrations,
} from '../src/index.js';
import type { Connection } from '../src/index.js';
import { refusal, rows } from './query-rows.js';

/**
 * A database whose default collation is Turkish (a DBA's `CREATE DATABASE …
 * LOCALE_PROVIDER icu ICU_LOCALE 'tr-TR'`, or `LC_CTYPE tr_TR.UTF-8`): its
 * lower('I') is 'ı' (dotless i), not 'i'. The addresses' case-insensitive
 * matching must not follow the database's collation: veza-beta lowercases
 * them in JavaScript (ASCII), and the database must agree.
 *
 * PostgreSQL 15 and later (a database's ICU default collation); the server
 * tools/with-postgres.sh starts is one.
 */

const adminUrl = process.env['TEST_DATABASE_URL'];

async function serverMajor(url: string): Promise<number> {
  const admin = postgres(url, { max: 1, onnotice: () => undefined });
  try {
    const [row] = await admin<{ v: string }[]>`SELECT current_setting('server_version_num') AS v`;
    return Math.floor(Number(row!.v) / 10_000);
  } finally {
    await admin.end({ timeout: 5 });
  }
}

const turkish = adminUrl && (await serverMajor(adminUrl)) >= 15;

/** A new database with a Turkish default collation (ICU), opened, not migrated. */
async function openTurkishDatabase(): Promise<Connection> {
  const name = `veza_tr_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl!, { max: 1, onnotice: () => undefined });
  try {
    await admin.unsafe(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING UTF8 LOCALE_PROVIDER icu ICU_LOCALE 'tr-TR' LOCALE 'C.UTF-8'`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = new URL(adminUrl!);
  url.pathname = `/${name}`;
  return openDatabase({ databaseUrl: url.toString(), maxConnections: 2 });
}

(turkish ? describe : describe.skip)('a database whose collation is Turkish (lower(I) is ı), on postgres', () => {
  let conn: Connection;
  beforeAll(async () => {
    conn = await openTurkishDatabase();
    await runMigrations(conn);
  }, 120_000);
  afterAll(() => conn?.close());

  it('is Turkish indeed', async () => {
    expect(await rows<{ l: string }>(conn, sql`SELECT lower('I') AS l`)).toEqual([{ l: 'ı' }]);
  });

  it('one live invite per address: ilse@ is skipped while Ilse@ has one (both were created, two emails to one person)', async () => {
    const first = await createInvites(conn.db, [{ email: 'Ilse@example.org', cohort: 'c1' }]);
    const second = await createInvites(conn.db, [{ email: 'ilse@example.org', cohort: 'c2' }]);
    expect(first.map((o) => o.status)).toEqual(['created']);
    expect(second.map((o) => o.status)).toEqual(['skipped']);
    expect(second[0]).toMatchObject({ reason: 'this email already has an invite (not sent yet)' });
  });

  it('revoking ilse@ revokes the invite of Ilse@ (it found none)', async () => {
    await createInvites(conn.db, [{ email: 'IRIS@example.org', cohort: 'c1' }]);
    const result = await revokeInvites(conn.db, { email: 'iris@example.org' });
    expect(result.revoked).toHaveLength(1);
  });

  it('an address left out is recognised after cleanup: its digest is the one prepare computes', async () => {
    await createInvites(conn.db, [{ email: 'Ines@example.org', cohort: 'c1' }]);
    await revokeInvites(conn.db, { email: 'ines@example.org' });
    await conn.db.execute(
      sql`UPDATE beta_invites SET expires_at = now() - interval '1 day' WHERE lower(email COLLATE "C") = 'ines@example.org'`,
    );
    await cleanupExpiredInvites(conn.db);
    expect([...(await leftOutAddresses(conn.db, ['ines@example.org'])).keys()]).toEqual(['ines@example.org']);
  });

  it("the left-out guard of an older veza-beta's insert recognises the address too", async () => {
    await conn.db.execute(
      sql`INSERT INTO beta_invite_left_out (email_digest, revoked_at) VALUES (${emailDigest('ivo@example.org')}, now())`,
    );
    const refused = await refusal(
      conn.db.execute(sql`INSERT INTO beta_invites (code_digest, email, cohort) VALUES (${'a'.repeat(64)}, 'IVO@example.org', 'old')`),
    );
    expect(refused).toMatch(/^55000 this veza-beta is older than the database/);
  });
});

(turkish ? describe : describe.skip)(
  '1003_email_key_ascii.sql on a Turkish database that already has two live invites for one person',
  () => {
    let conn: Connection;
    let before: string;
    beforeAll(async () => {
      conn = await openTurkishDatabase();
      // the migrations before 1003, as a database migrated by the previous version has them
      before = mkdtempSync(join(tmpdir(), 'veza-before-1003-'));
      for (const file of readMigrationFiles().filter((f) => f.name !== '1003_email_key_ascii.sql'))
        copyFileSync(join(defaultMigrationsDir(), file.name), join(before, file.name));
      await runMigrations(conn, before);
      await conn.db.execute(sql`
      INSERT INTO beta_invites (code_digest, email, cohort) VALUES
        (${'b'.repeat(64)}, 'Ida@example.org', 'c1'), (${'c'.repeat(64)}, 'ida@example.org', 'c2')`);
    }, 120_000);
    afterAll(async () => {
      await conn?.close();
      rmSync(before, { recursive: true, force: true });
    });

    it('is refused with what to do, nothing applied; once one of them is revoked, it applies', async () => {
      const failed = await runMigrations(conn).then(
        () => 'applied',
        (error: Error) => error.message,
      );
      expect(failed).toMatch(
        /^migration 1003_email_key_ascii\.sql failed and was rolled back: 1 address\(es\) have two or more live invites that differ only in the case of a letter .*Nothing was applied$/,
      );
      expect(failed).not.toMatch(/ida@/i);
      await conn.db.execute(sql`UPDATE beta_invites SET revoked_at = now() WHERE cohort = 'c2'`);
      expect((await runMigrations(conn)).applied).toEqual(['1003_email_key_ascii.sql']);
    });
  },
);
