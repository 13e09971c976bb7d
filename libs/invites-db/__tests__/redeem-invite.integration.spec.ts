import { expect } from '@jest/globals';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { createInvites, formatCode, lookupInvite, openDatabase, redeemInvite, revokeInvites, setInviteExpiry } from '../src/index.js';
import type { Connection, CreateOutcome, QueryOptions } from '../src/index.js';
import { openTestDatabase, testBackends } from '../src/testing.js';

function created(outcome: CreateOutcome | undefined) {
  if (outcome?.status !== 'created') throw new Error(`expected created, got ${JSON.stringify(outcome)}`);
  return outcome;
}

const USER = '6f1c2b8e-2f43-4c1a-9a51-1d2e3f405162';
const modes: { mode: string; options: QueryOptions }[] = [
  { mode: 'prepared (default)', options: {} },
  { mode: 'unprepared (prepare: false)', options: { prepare: false } },
];

describe.each(testBackends())('lookup and redeem on $name', (backend) => {
  let conn: Connection;
  let n = 0;
  const invites = async (count: number) =>
    (
      await createInvites(
        conn.db,
        Array.from({ length: count }, () => ({ email: `p${n++}@example.org`, cohort: 'prep' })),
      )
    ).map(created);
  beforeAll(async () => {
    conn = await openTestDatabase(backend, { maxConnections: 20 });
  }, 120_000);
  afterAll(() => conn?.close());

  describe.each(modes)('$mode', ({ options }) => {
    it('answers valid, used, expired, revoked, unknown, malformed, and records the user', async () => {
      const [a, b, c] = await invites(3);
      expect((await lookupInvite(conn.db, formatCode(a!.code).toLowerCase(), options)).state).toBe('valid');
      const redeemed = await redeemInvite(conn.db, a!.code, USER, options);
      expect(redeemed).toMatchObject({ ok: true, invite: { id: a!.id, cohort: 'prep', usedAt: expect.any(Date), revokedAt: null } });
      expect(await redeemInvite(conn.db, a!.code, null, options)).toMatchObject({ ok: false, state: 'used', invite: { id: a!.id } });
      expect(await lookupInvite(conn.db, a!.code, options)).toMatchObject({ state: 'used', invite: { expiresAt: expect.any(Date) } });

      await setInviteExpiry(conn.db, b!.id, new Date(Date.now() - 1000));
      expect(await lookupInvite(conn.db, b!.code, options)).toMatchObject({ state: 'expired' });
      expect(await redeemInvite(conn.db, b!.code, null, options)).toMatchObject({ ok: false, state: 'expired' });

      await revokeInvites(conn.db, { code: c!.code });
      expect(await redeemInvite(conn.db, c!.code, null, options)).toMatchObject({ ok: false, state: 'revoked' });

      expect(await lookupInvite(conn.db, '0000-0000-0000-0000', options)).toEqual({ state: 'unknown' });
      expect(await redeemInvite(conn.db, '0000-0000-0000-0000', null, options)).toEqual({ ok: false, state: 'unknown' });
      await expect(lookupInvite(conn.db, 'UUUU-0000-0000-0000', options)).rejects.toMatchObject({ code: 'INVITES_CODE_MALFORMED' });
      await expect(redeemInvite(conn.db, c!.code, 'not-a-uuid', options)).rejects.toMatchObject({ code: 'INVITES_INVALID_INPUT' });
      const usedBy = await conn.rawTransaction((tx) =>
        tx.query<{ used_by: string | null }>('SELECT used_by FROM beta_invites WHERE id = $1', [a!.id]),
      );
      expect(usedBy).toEqual([{ used_by: USER }]);
    });

    it('gives exactly one success to many concurrent redeems of one code', async () => {
      const [invite] = await invites(1);
      const results = await Promise.all(Array.from({ length: 50 }, () => redeemInvite(conn.db, invite!.code, null, options)));
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok && r.state === 'used')).toHaveLength(49);
    });

    it("runs inside the caller's transaction: a rollback undoes the redemption", async () => {
      // The statements prepared on conn.db must not leak into a transaction (they would run outside it).
      await redeemInvite(conn.db, (await invites(1))[0]!.code, null, options);
      const [invite] = await invites(1);
      const rollback = new Error('roll back');
      await expect(
        conn.db.transaction(async (tx) => {
          expect(await redeemInvite(tx, invite!.code, null, options)).toMatchObject({ ok: true });
          expect((await lookupInvite(tx, invite!.code, options)).state).toBe('used');
          throw rollback;
        }),
      ).rejects.toBe(rollback);
      expect((await lookupInvite(conn.db, invite!.code, options)).state).toBe('valid');
      expect(await redeemInvite(conn.db, invite!.code, null, options)).toMatchObject({ ok: true });
    });
  });
});

const url = testBackends().length > 1 ? process.env['TEST_DATABASE_URL'] : undefined;
(url ? describe : describe.skip)('prepared statements on the connection (PostgreSQL)', () => {
  let conn: Connection & { url?: string };
  beforeAll(async () => {
    conn = await openTestDatabase(testBackends().find((b) => b.name === 'postgres')!);
  }, 120_000);
  afterAll(() => conn?.close());

  /** The server's own list of the statements prepared on this session that lookup or redeem would have left. */
  async function preparedOnSession(options: QueryOptions): Promise<string[]> {
    // One connection: the statements and the catalogue query share a session.
    const sql = postgres(conn.url!, { max: 1, onnotice: () => undefined });
    try {
      const db = drizzlePostgres(sql);
      const [a, b] = (
        await createInvites(db, [
          { email: `s${Date.now()}a@example.org`, cohort: 's' },
          { email: `s${Date.now()}b@example.org`, cohort: 's' },
        ])
      ).map(created);
      expect((await lookupInvite(db, a!.code, options)).state).toBe('valid');
      expect((await redeemInvite(db, b!.code, null, options)).ok).toBe(true);
      const rows = await sql<
        { statement: string }[]
      >`SELECT statement FROM pg_prepared_statements WHERE statement LIKE 'select "id", "email"%' OR statement LIKE 'update "beta_invites"%'`;
      return rows.map((r) => r.statement.slice(0, 6)).sort();
    } finally {
      await sql.end();
    }
  }

  it('by default, lookup and redeem are prepared once and kept on the connection', async () => {
    expect(await preparedOnSession({})).toEqual(['select', 'update']);
  });

  it('with prepare: false, none is left on the connection (PgBouncer in transaction mode)', async () => {
    expect(await preparedOnSession({ prepare: false })).toEqual([]);
  });
});

const postgresOnly = testBackends().filter((b) => b.name === 'postgres');

describe.each(postgresOnly)('on a database whose DateStyle and TimeZone are not the defaults ($name)', (backend) => {
  it('reads every timestamp right: lookup, redeem and expiry (they were Invalid Dates after the redeem had committed)', async () => {
    const first = await openTestDatabase(backend);
    const url = first.url!;
    await first.close();
    const name = new URL(url).pathname.slice(1);
    const admin = postgres(url, { max: 1, onnotice: () => undefined });
    try {
      await admin.unsafe(`ALTER DATABASE ${name} SET datestyle = 'Postgres, DMY'`);
      await admin.unsafe(`ALTER DATABASE ${name} SET timezone = 'Europe/Paris'`);
    } finally {
      await admin.end();
    }
    const conn = await openDatabase({ databaseUrl: url });
    try {
      const [invite] = (await createInvites(conn.db, [{ email: 'datestyle@example.org', cohort: 'ds' }])).map(created);
      expect(invite!.expiresAt.getTime()).toBeGreaterThan(Date.now());
      const looked = await lookupInvite(conn.db, invite!.code);
      expect(looked).toMatchObject({ state: 'valid' });
      expect(looked.state === 'valid' && looked.invite.expiresAt.getTime()).toBe(invite!.expiresAt.getTime());
      const redeemed = await redeemInvite(conn.db, invite!.code, USER);
      expect(redeemed.ok && Math.abs(redeemed.invite.usedAt!.getTime() - Date.now())).toBeLessThan(60_000);
    } finally {
      await conn.close();
    }
  });
});
