import { expect } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { createInvites, digestCode, emailDigest, generateCode } from '../src/index.js';
import type { Connection } from '../src/index.js';
import { openTestDatabase, testBackends } from '../src/testing.js';
import { refusal, rows } from './query-rows.js';

/**
 * The database restored from a backup: the rows of a dump loaded into a
 * database migrated beforehand (pg_restore --data-only, psql -f of a plain
 * dump). pg_dump and pg_restore run with an empty search_path.
 */

const run = promisify(execFile);

/** The client binaries of the newest installed PostgreSQL (pg_dump, pg_restore). */
function clientBinDir(): string {
  const base = '/usr/lib/postgresql';
  const dir = existsSync(base)
    ? readdirSync(base)
        .sort((a, b) => Number(b) - Number(a))
        .map((v) => join(base, v, 'bin'))
        .find((d) => existsSync(join(d, 'pg_restore')))
    : undefined;
  if (!dir) throw new Error('no pg_dump/pg_restore (/usr/lib/postgresql/*/bin): tools/with-postgres.sh installs them');
  return dir;
}

/** An invite inserted as a dump's INSERT statement would be: schema-qualified, under an empty search_path. */
const insertAsADump = (email: string) => sql`
  INSERT INTO public.beta_invites (code_digest, email, cohort) VALUES (${digestCode(generateCode())}, ${email}, 'restored')`;

const liveInvites = async (conn: Connection) =>
  (await rows<{ email: string }>(conn, sql`SELECT email FROM beta_invites WHERE revoked_at IS NULL ORDER BY email`)).map((r) => r.email);

describe.each(testBackends())('rows written under the empty search_path of a dump, on $name', (backend) => {
  let conn: Connection;
  beforeAll(async () => {
    conn = await openTestDatabase(backend);
  }, 120_000);
  afterAll(() => conn?.close());

  it('are kept: the guard of 1001 finds its table without the search_path (it failed "relation beta_invite_left_out does not exist")', async () => {
    await conn.db.transaction(async (tx) => {
      await tx.execute(sql`SELECT set_config('search_path', '', true)`);
      await tx.execute(insertAsADump('restored@example.org'));
    });
    expect(await liveInvites(conn)).toEqual(['restored@example.org']);
  });

  it('an INSERT for an address kept as left out is still refused, and the message says how to load a dump', async () => {
    await conn.db.execute(
      sql`INSERT INTO beta_invite_left_out (email_digest, revoked_at) VALUES (${emailDigest('gone@example.org')}, now())`,
    );
    const refused = await refusal(
      conn.db.transaction(async (tx) => {
        await tx.execute(sql`SELECT set_config('search_path', '', true)`);
        await tx.execute(insertAsADump('gone@example.org'));
      }),
    );
    expect(refused).toMatch(/^55000 this veza-beta is older than the database/);
    expect(refused).toMatch(
      /Loading a dump made with INSERT statements, pg_dump --inserts\? Its invite [0-9a-f-]{36} is for such an address: load it with PGOPTIONS='-c veza_beta.knows_left_out=on'/,
    );
    expect(await liveInvites(conn)).toEqual(['restored@example.org']);
  });
});

const postgresBackends = testBackends().filter((b) => b.name === 'postgres');
(postgresBackends.length > 0 ? describe.each(postgresBackends) : describe.skip.each(testBackends()))(
  'pg_dump --data-only, pg_restore into a database migrated beforehand, on $name',
  (backend) => {
    let source: Connection & { url?: string };
    let target: Connection & { url?: string };
    let dir: string;
    beforeAll(async () => {
      source = await openTestDatabase(backend);
      target = await openTestDatabase(backend);
      dir = mkdtempSync(join(tmpdir(), 'veza-restore-'));
    }, 120_000);
    afterAll(async () => {
      await source?.close();
      await target?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('loads every invite back, one a backend made on purpose for an address kept as left out too (the whole table was skipped)', async () => {
      await createInvites(source.db, [
        { email: 'ada@example.org', cohort: 'c1' },
        { email: 'bo@example.org', cohort: 'c1' },
      ]);
      // a person left out, invited again on purpose by a backend (it says it knows of the record); one before the
      // twenty-first round left the record beside the live invite (this version's createInvites lifts it): both in the dump
      expect((await createInvites(source.db, [{ email: 'cy@example.org', cohort: 'c2' }])).map((o) => o.status)).toEqual(['created']);
      await source.db.execute(
        sql`INSERT INTO beta_invite_left_out (email_digest, revoked_at) VALUES (${emailDigest('cy@example.org')}, now())`,
      );

      const bin = clientBinDir();
      const dump = join(dir, 'data.dump');
      // the migrations' own record is the target's already: left out of the data, as the operator guide says
      await run(join(bin, 'pg_dump'), ['-Fc', '--data-only', '--exclude-table-data=veza_beta_migrations', '-f', dump, source.url!], {
        timeout: 30_000,
      });
      const restored = await run(join(bin, 'pg_restore'), ['--single-transaction', '--exit-on-error', '-d', target.url!, dump], {
        timeout: 30_000,
      }).then(
        () => 'exit 0',
        (error: Error & { stderr?: string }) => error.stderr ?? error.message,
      );
      expect(restored).toBe('exit 0');
      expect(await liveInvites(target)).toEqual(['ada@example.org', 'bo@example.org', 'cy@example.org']);
      expect(await rows<{ n: number }>(target, sql`SELECT count(*)::int AS n FROM beta_invite_left_out`)).toEqual([{ n: 1 }]);
    }, 60_000);
  },
);
