import { expect, jest } from '@jest/globals';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import {
  analyzeInvites,
  assertReady,
  cleanupExpiredInvites,
  claimInvitesForSend,
  createInvites,
  emailDigest,
  countRedeemedInvites,
  createUser,
  deleteTestInvites,
  formatCode,
  forgetLeftOut,
  isDispatcherAlive,
  inviteReport,
  invitedAddresses,
  leftOutAddresses,
  lookupInvite,
  markInviteSent,
  markSentAndClaim,
  openDatabase,
  redeemInvite,
  reissueInviteCode,
  releaseSendClaim,
  releaseUntriedClaims,
  revokeInvites,
  sendStates,
  setInviteExpiry,
  TEST_COHORT,
} from '../src/index.js';
import type { Connection, CreateOutcome } from '../src/index.js';
import { LOCK_LOST_REASON, PGLITE_POSTGRES_MAJOR } from '../src/connect.js';
import { endLockSession, openTestDatabase, testBackends } from '../src/testing.js';
import { rows } from './query-rows.js';

function created(outcome: CreateOutcome | undefined) {
  if (outcome?.status !== 'created') throw new Error(`expected created, got ${JSON.stringify(outcome)}`);
  return outcome;
}

describe.each(testBackends())('invites on $name', (backend) => {
  let conn: Connection;
  beforeAll(async () => {
    conn = await openTestDatabase(backend, { maxConnections: 20 });
  }, 120_000);
  afterAll(() => conn?.close());

  /** The `n` of a query that returns one row. */
  const numberOf = async (query: ReturnType<typeof sql>) => Number((await rows<{ n: number }>(conn, query))[0]?.n);

  it('a read-only session fails the whole call (it was every row "refused by the database", each blamed on its row)', async () => {
    const rowsToCreate = [
      { email: 'ro1@example.org', cohort: 'ro' },
      { email: 'ro2@example.org', cohort: 'ro' },
    ];
    const attempt = conn.db.transaction(async (tx) => {
      await tx.execute(sql`SET TRANSACTION READ ONLY`);
      return createInvites(tx, rowsToCreate);
    });
    await expect(attempt).rejects.toThrow(/read-only transaction/);
  });

  /** Runs `body` while a trigger on beta_invites runs `raise` (plpgsql) for the row of `email`: a backend's own rule, say. */
  const withRowTrigger = async (email: string, raise: string, body: () => Promise<void>) => {
    await conn.db.execute(
      sql.raw(`CREATE FUNCTION refuse_row() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.email = '${email}' THEN ${raise}; END IF; RETURN NEW; END $$`),
    );
    await conn.db.execute(sql.raw('CREATE TRIGGER refuse_row BEFORE INSERT ON beta_invites FOR EACH ROW EXECUTE FUNCTION refuse_row()'));
    try {
      await body();
    } finally {
      await conn.db.execute(sql.raw('DROP TRIGGER refuse_row ON beta_invites'));
      await conn.db.execute(sql.raw('DROP FUNCTION refuse_row()'));
    }
  };

  it('creates a batch where bad rows fail alone, and a rerun creates nothing twice', async () => {
    const rows = [
      { email: 'ana@example.org', cohort: 'creators-fr', role: 'creator' },
      { email: 'not-an-email', cohort: 'creators-fr' },
      { email: 'bob@example.org', cohort: 'bad<cohort>' },
      { email: 'cleo@example.org', cohort: 'listeners', name: 'x'.repeat(201) },
      { email: 'ANA@Example.org', cohort: 'creators-fr' },
      { email: 'dan@example.org', cohort: 'listeners', sentBy: 'nobody@example.org' },
      { email: 'eve@example.org', cohort: 'listeners', role: 'dj' },
      { email: 'fay@example.org', cohort: 'listeners', name: 'Fay "Ø" <Fa>' },
    ];
    const first = await createInvites(conn.db, rows);
    expect(first.map((o) => o.status)).toEqual(['created', 'failed', 'failed', 'failed', 'skipped', 'failed', 'failed', 'created']);
    expect(first[1]).toMatchObject({ field: 'email' });
    expect(first[2]).toMatchObject({ field: 'cohort' });
    expect(first[3]).toMatchObject({ field: 'name' });
    expect(first[4]).toMatchObject({ reason: 'same email as row 1 of this batch' });
    expect(first[5]).toMatchObject({ field: 'sent_by' });
    expect(first[6]).toMatchObject({ field: 'role' });
    expect(created(first[0]).code).toMatch(/^[0-9A-HJKMNP-TV-Z]{16}$/);

    const again = await createInvites(conn.db, [
      { email: 'Ana@EXAMPLE.org', cohort: 'creators-fr' },
      { email: 'fay@example.org', cohort: 'x' },
    ]);
    expect(again.map((o) => o.status)).toEqual(['skipped', 'skipped']);
    expect(again[0]).toMatchObject({ reason: 'this email already has an invite (not sent yet)', existingId: created(first[0]).id });
  });

  it("stores a name pasted decomposed (NFD) in NFC, as the cohort validator hands names on: a backend's own call too", async () => {
    const decomposed = 'He\u0301le\u0300ne Martin'; // "Hélène" as a Mac or a PDF pastes it
    const long = 'e\u0301'.repeat(150); // 150 letters: 300 code units decomposed, under the 200-character limit once composed
    const [helene, longName] = await createInvites(conn.db, [
      { email: 'nfd-helene@example.org', cohort: 'nfd', name: ` ${decomposed} ` },
      { email: 'nfd-long@example.org', cohort: 'nfd', name: long },
    ]);
    expect(created(helene).name).toBe('Hélène Martin');
    expect(created(longName).name).toBe('é'.repeat(150));
    const stored = await rows<{ name: string; typed: boolean }>(
      conn,
      sql`SELECT name, name = ${'Hélène Martin'} AS typed FROM beta_invites WHERE email = 'nfd-helene@example.org'`,
    );
    expect(stored).toEqual([{ name: 'Hélène Martin', typed: true }]);
  });

  it('counts the redemptions since a moment (the launch), by the database clock of used_at', async () => {
    const [early] = await createInvites(conn.db, [{ email: 'since-early@example.org', cohort: 'since' }]);
    expect((await redeemInvite(conn.db, created(early).code)).ok).toBe(true);
    // The launch: the next whole millisecond of the database clock. A Date holds milliseconds and used_at
    // microseconds: clock_timestamp() cut to its millisecond could precede an early used_at of that same
    // millisecond, which then counted (a run on a fast machine, once in a thousand). The late redemption waits
    // until the database clock has reached the launch.
    const [{ ms }] = (await rows<{ ms: string | number }>(
      conn,
      sql`SELECT floor(extract(epoch FROM clock_timestamp()) * 1000) + 1 AS ms`,
    )) as [{ ms: string | number }];
    const launch = new Date(Number(ms));
    while (
      !(await rows<{ reached: boolean }>(conn, sql`SELECT clock_timestamp() >= ${launch.toISOString()}::timestamptz AS reached`))[0]!
        .reached
    );
    const [late] = await createInvites(conn.db, [{ email: 'since-late@example.org', cohort: 'since' }]);
    expect((await redeemInvite(conn.db, created(late).code)).ok).toBe(true);
    expect(await countRedeemedInvites(conn.db, 'since')).toBe(2);
    expect(await countRedeemedInvites(conn.db, 'since', { since: launch })).toBe(1);
  });

  it('stores only the digest of a code, never the code', async () => {
    const invite = created((await createInvites(conn.db, [{ email: 'digest@example.org', cohort: 'c' }]))[0]);
    const dump = JSON.stringify(await conn.db.execute(sql`SELECT * FROM beta_invites`));
    expect(dump).not.toContain(invite.code);
    expect(dump).not.toContain(formatCode(invite.code));
  });

  it('resolves sent_by by user email or id, and keeps the invite when the user is deleted', async () => {
    const userId = await createUser(conn.db, 'Ops@Veza.fr');
    const outcomes = await createInvites(conn.db, [
      { email: 'g1@example.org', cohort: 'c', sentBy: 'ops@veza.fr' },
      { email: 'g2@example.org', cohort: 'c', sentBy: userId },
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['created', 'created']);
    await conn.db.execute(sql`DELETE FROM users WHERE id = ${userId}::uuid`);
    const result = await conn.db.execute(
      sql`SELECT count(*)::int AS n FROM beta_invites WHERE email IN ('g1@example.org','g2@example.org') AND sent_by IS NULL`,
    );
    expect(JSON.stringify(result)).toContain('"n":2');
  });

  it('looks up and redeems: valid, used, expired, revoked, unknown, malformed', async () => {
    const [a, b, c] = (
      await createInvites(conn.db, [
        { email: 'r1@example.org', cohort: 'r' },
        { email: 'r2@example.org', cohort: 'r' },
        { email: 'r3@example.org', cohort: 'r' },
      ])
    ).map(created);
    expect((await lookupInvite(conn.db, formatCode(a!.code).toLowerCase())).state).toBe('valid');
    const redeemed = await redeemInvite(conn.db, a!.code, '6f1c2b8e-2f43-4c1a-9a51-1d2e3f405162');
    expect(redeemed).toMatchObject({ ok: true, invite: { email: 'r1@example.org', cohort: 'r' } });
    expect(await redeemInvite(conn.db, a!.code)).toMatchObject({ ok: false, state: 'used' });

    await setInviteExpiry(conn.db, b!.id, new Date(Date.now() - 1000));
    expect(await redeemInvite(conn.db, b!.code)).toMatchObject({ ok: false, state: 'expired' });

    await revokeInvites(conn.db, { code: c!.code });
    expect(await redeemInvite(conn.db, c!.code)).toMatchObject({ ok: false, state: 'revoked' });

    expect(await lookupInvite(conn.db, '0000-0000-0000-0000')).toEqual({ state: 'unknown' });
    await expect(lookupInvite(conn.db, 'UUUU-0000-0000-0000')).rejects.toMatchObject({ code: 'INVITES_CODE_MALFORMED' });
    await expect(redeemInvite(conn.db, c!.code, 'not-a-uuid')).rejects.toMatchObject({ code: 'INVITES_INVALID_INPUT' });
  });

  it('gives exactly one success to many concurrent redeems of one code', async () => {
    const invite = created((await createInvites(conn.db, [{ email: 'race@example.org', cohort: 'race' }]))[0]);
    const results = await Promise.all(Array.from({ length: 50 }, () => redeemInvite(conn.db, invite.code)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.state === 'used')).toHaveLength(49);
  });

  it('revokes by email (all live unused invites) and allows a new invite afterwards', async () => {
    created((await createInvites(conn.db, [{ email: 'rev@example.org', cohort: 'r' }]))[0]);
    const result = await revokeInvites(conn.db, { email: 'REV@example.org' });
    expect(result.revoked).toHaveLength(1);
    expect((await revokeInvites(conn.db, { email: 'rev@example.org' })).untouched).toEqual([
      { id: result.revoked[0], reason: 'already revoked' },
    ]);
    expect((await createInvites(conn.db, [{ email: 'rev@example.org', cohort: 'r' }]))[0]?.status).toBe('created');
    await expect(revokeInvites(conn.db, { email: 'bad email' })).rejects.toMatchObject({ code: 'INVITES_INVALID_INPUT' });
  });

  it('keeps an address left out after cleanup deletes its revoked invites, not one invited again since', async () => {
    const expire = (id: string) => setInviteExpiry(conn.db, id, new Date(Date.now() - 60_000));
    const [out, back] = (
      await createInvites(conn.db, [
        { email: 'Out@example.org', cohort: 'lo' },
        { email: 'back@example.org', cohort: 'lo' },
      ])
    ).map(created);
    await revokeInvites(conn.db, { email: 'out@example.org' });
    await revokeInvites(conn.db, { email: 'back@example.org' });
    // back was invited again on purpose (--reinvite-revoked), and that invite expired unused too
    const again = created((await createInvites(conn.db, [{ email: 'back@example.org', cohort: 'lo' }]))[0]);
    for (const id of [out!.id, back!.id, again.id]) await expire(id);
    const dry = await cleanupExpiredInvites(conn.db, { dryRun: true });
    expect(dry.leftOut).toBe(1);
    const done = await cleanupExpiredInvites(conn.db);
    expect(done.leftOut).toBe(1);
    const left = await leftOutAddresses(conn.db, ['OUT@example.org', 'back@example.org', 'never@example.org']);
    expect([...left.keys()]).toEqual(['out@example.org']);
    expect(await forgetLeftOut(conn.db, ['out@example.org'])).toBe(1);
    expect((await leftOutAddresses(conn.db, ['out@example.org'])).size).toBe(0);
  });

  it('an address kept as left out and invited since by a backend is not left out again once that invite expired and was cleaned up (it came back, revoked on the old date)', async () => {
    // the shrunk counterexample of invite-life.property.spec.ts, then what prepare would have asked
    const first = created((await createInvites(conn.db, [{ email: 'Since@example.org', cohort: 'ls' }]))[0]);
    await revokeInvites(conn.db, { code: first.code });
    await setInviteExpiry(conn.db, first.id, new Date(Date.now() - 60_000));
    expect((await cleanupExpiredInvites(conn.db)).leftOut).toBe(1);
    // a backend invites the person again on purpose: its invite wins over the record, and lifts it
    const again = created((await createInvites(conn.db, [{ email: 'since@example.org', cohort: 'ls' }]))[0]);
    expect(
      await numberOf(sql`SELECT count(*)::int AS n FROM beta_invite_left_out WHERE email_digest = ${emailDigest('since@example.org')}`),
    ).toBe(0);
    await setInviteExpiry(conn.db, again.id, new Date(Date.now() - 60_000));
    expect((await cleanupExpiredInvites(conn.db)).leftOut).toBe(0);
    expect([...(await leftOutAddresses(conn.db, ['since@example.org'])).keys()]).toEqual([]);
  });

  it('invitedAddresses answers for more addresses than a query may carry parameters (65,535): a restore of a 100,000-person cohort', async () => {
    await createInvites(conn.db, [
      { email: 'Many-Kept@example.org', cohort: 'many' },
      { email: 'many-last@example.org', cohort: 'many' },
    ]);
    const asked = [...Array.from({ length: 70_000 }, (_, i) => `many${i}@example.org`), 'many-kept@example.org', ' MANY-LAST@example.org'];
    // it failed "bind message has 4466 parameter formats but 0 parameters" (INVITES_DB_UNREACHABLE)
    expect([...(await invitedAddresses(conn.db, asked))].sort()).toEqual(['many-kept@example.org', 'many-last@example.org']);
  }, 60_000);

  it('keeps left out an address revoked while cleanup runs (PostgreSQL: two sessions, the revoke commits during the cleanup)', async () => {
    if (backend.name !== 'postgres') return;
    const invite = created((await createInvites(conn.db, [{ email: 'race-out@example.org', cohort: 'race' }]))[0]);
    await setInviteExpiry(conn.db, invite.id, new Date(Date.now() - 60_000));
    // the person asks to be left out: the revoke's transaction holds the row, not committed yet
    let commit!: () => void;
    let revoked!: () => void;
    const held = new Promise<void>((resolve) => (revoked = resolve));
    const revoke = conn.db.transaction(async (tx) => {
      expect((await revokeInvites(tx, { email: 'race-out@example.org' })).revoked).toEqual([invite.id]);
      revoked();
      await new Promise<void>((resolve) => (commit = resolve));
    });
    await held;
    const cleanup = cleanupExpiredInvites(conn.db);
    // the cleanup is waiting for the revoke's row lock
    const waiting = sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`;
    while ((await numberOf(waiting)) === 0) await new Promise((resolve) => setImmediate(resolve));
    commit();
    await revoke;
    const result = await cleanup;
    expect(result).toMatchObject({ count: 1, leftOut: 1 });
    // the invite is gone; the address stays left out (it was deleted without a record: the next cohort file emailed them)
    expect([...(await leftOutAddresses(conn.db, ['race-out@example.org'])).keys()]).toEqual(['race-out@example.org']);
  });

  it('cleans up expired unused invites, with a dry run that changes nothing', async () => {
    const [old, used] = (
      await createInvites(conn.db, [
        { email: 'old1@example.org', cohort: 'expired-cohort' },
        { email: 'old2@example.org', cohort: 'expired-cohort' },
      ])
    ).map(created);
    await redeemInvite(conn.db, used!.code);
    await setInviteExpiry(conn.db, old!.id, new Date(Date.now() - 60_000));
    await setInviteExpiry(conn.db, used!.id, new Date(Date.now() - 60_000));
    const dry = await cleanupExpiredInvites(conn.db, { dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, byCohort: expect.arrayContaining([{ cohort: 'expired-cohort', count: 1 }]) });
    expect((await lookupInvite(conn.db, old!.code)).state).toBe('expired');
    const real = await cleanupExpiredInvites(conn.db);
    expect(real.count).toBe(dry.count);
    expect((await lookupInvite(conn.db, old!.code)).state).toBe('unknown');
    expect((await lookupInvite(conn.db, used!.code)).state).toBe('used');
  });

  it('claims for sending once, records sends and failures, and reissues lost codes', async () => {
    const invites = (
      await createInvites(
        conn.db,
        [1, 2, 3].map((n) => ({ email: `send${n}@example.org`, cohort: 'send' })),
      )
    ).map(created);
    const ids = invites.map((i) => i.id);
    const [mine, theirs] = await Promise.all([claimInvitesForSend(conn.db, ids, 'w1', 10), claimInvitesForSend(conn.db, ids, 'w2', 10)]);
    expect([...mine, ...theirs].sort()).toEqual([...ids].sort());
    expect(await claimInvitesForSend(conn.db, ids, 'w3', 10)).toEqual([]);
    await markInviteSent(conn.db, ids[0]!);
    await releaseSendClaim(conn.db, ids[1]!, 'smtp 451 try later');
    const states = await sendStates(conn.db, [...ids, '00000000-0000-0000-0000-000000000000']);
    expect(states.map((s) => s.state)).toEqual(['sent', 'ready', 'claimed', 'missing']);
    expect(states[1]).toMatchObject({ attempts: 1, lastError: 'smtp 451 try later' });

    expect(await reissueInviteCode(conn.db, ids[0]!)).toBeNull();
    const fresh = await reissueInviteCode(conn.db, ids[1]!);
    expect(fresh?.code).toMatch(/^[0-9A-HJKMNP-TV-Z]{16}$/);
    expect((await lookupInvite(conn.db, invites[1]!.code)).state).toBe('unknown');
    expect((await lookupInvite(conn.db, fresh!.code)).state).toBe('valid');
    // an expired unsent invite: a new email could only give a past date, and dispatch would skip it
    const [late] = (await createInvites(conn.db, [{ email: 'send-late@example.org', cohort: 'send' }])).map(created);
    await setInviteExpiry(conn.db, late!.id, new Date(Date.now() - 60_000));
    expect(await reissueInviteCode(conn.db, late!.id)).toBeNull();
  });

  it('records sends and claims the next batch in one statement; gives back untried claims', async () => {
    const ids = (
      await createInvites(
        conn.db,
        [1, 2, 3, 4, 5].map((n) => ({ email: `batch${n}@example.org`, cohort: 'batch' })),
      )
    )
      .map(created)
      .map((i) => i.id);
    const first = await markSentAndClaim(conn.db, [], ids, 'w1', 2);
    expect(first).toHaveLength(2);
    // another worker's claim is skipped, not stolen
    const rest = ids.filter((id) => !first.includes(id));
    expect(await claimInvitesForSend(conn.db, [rest[0]!], 'w2', 1)).toEqual([rest[0]]);
    const second = await markSentAndClaim(conn.db, first, ids, 'w1', 2);
    expect([...second].sort()).toEqual(rest.slice(1).sort());
    expect(await markSentAndClaim(conn.db, [], ids, 'w1', 2)).toEqual([]);
    // only this worker's claims that were never sent are given back
    expect(await releaseUntriedClaims(conn.db, [...ids], 'w1')).toBe(2);
    const state = new Map((await sendStates(conn.db, ids)).map((s) => [s.id, s]));
    expect(first.map((id) => state.get(id)?.state)).toEqual(['sent', 'sent']);
    expect(state.get(first[0]!)).toMatchObject({ attempts: 1, lastError: null });
    expect(state.get(rest[0]!)?.state).toBe('claimed');
    expect(second.map((id) => state.get(id)?.state)).toEqual(['ready', 'ready']);
    expect(await markSentAndClaim(conn.db, [second[0]!], [], 'w1', 0)).toEqual([]);
    expect((await sendStates(conn.db, [second[0]!]))[0]?.state).toBe('sent');
  });

  it("claims in the order it is given (the manifest's), not in the order of the table", async () => {
    const ids = (
      await createInvites(
        conn.db,
        Array.from({ length: 8 }, (_, n) => ({ email: `order${n}@example.org`, cohort: 'order' })),
      )
    )
      .map(created)
      .map((i) => i.id);
    const wanted = [...ids].reverse();
    expect(await claimInvitesForSend(conn.db, wanted.slice(0, 4), 'w1', 1)).toEqual([wanted[0]]);
    expect(await claimInvitesForSend(conn.db, wanted, 'w1', 2)).toEqual(wanted.slice(1, 3));
    expect(await markSentAndClaim(conn.db, [], wanted, 'w1', 1)).toEqual([wanted[3]]);
    expect(await markSentAndClaim(conn.db, [wanted[0]!], wanted, 'w1', 4)).toEqual(wanted.slice(4));
  });

  it('a window that lists an id twice (in any case) still claims up to the limit', async () => {
    const [a, b] = (
      await createInvites(conn.db, [
        { email: 'twice-a@example.org', cohort: 'twice' },
        { email: 'twice-b@example.org', cohort: 'twice' },
      ])
    )
      .map(created)
      .map((i) => i.id);
    expect(await markSentAndClaim(conn.db, [], [a!, a!.toUpperCase(), b!], 'w1', 2)).toEqual([a, b]);
  });

  it("a row the database itself refuses fails alone: on the pool (two chunks in flight) and in a caller's transaction (one chunk at a time)", async () => {
    // A backend's own trigger stands in for any refusal the rules cannot foresee.
    await withRowTrigger('refused3@example.org', "RAISE EXCEPTION 'refused by a trigger'", async () => {
      // 600 rows: two chunks on the pool (in flight together), one after the other in a transaction; 2,400 rows: three
      for (const [cohort, length, inTransaction, chunkSize] of [
        ['refusals-pool', 600, false, undefined],
        ['refusals-tx', 600, true, undefined],
        ['refusals-tx-chunks', 2400, true, 1000],
      ] as const) {
        const rows = Array.from({ length }, (_, n) => ({ email: `${cohort}-${n}@example.org`, cohort }));
        rows[3]!.email = 'refused3@example.org';
        const outcomes = inTransaction
          ? await conn.db.transaction((tx) => createInvites(tx, rows, { chunkSize }))
          : await createInvites(conn.db, rows, { chunkSize });
        expect({ cohort, created: outcomes.filter((o) => o.status === 'created').length }).toEqual({ cohort, created: length - 1 });
        // the driver's reason, not drizzle's statement with its parameters (this row's values, other rows' emails)
        expect(outcomes[3]).toMatchObject({ status: 'failed', field: 'row', reason: 'database refused the row: refused by a trigger' });
        const stored = await numberOf(sql`SELECT count(*)::int AS n FROM beta_invites WHERE cohort = ${cohort}`);
        expect({ cohort, stored }).toEqual({ cohort, stored: length - 1 });
        await conn.db.execute(sql`DELETE FROM beta_invites WHERE email = 'refused3@example.org'`);
      }
    });
  });

  it('after a chunk fails with a database error, createInvites throws only once nothing more is being inserted', async () => {
    // 08006 (connection failure) is a typed error, INVITES_DB_UNREACHABLE: it ends createInvites instead of failing one row
    await withRowTrigger('stop-3@example.org', "RAISE EXCEPTION 'gone' USING ERRCODE = '08006'", async () => {
      const stored = () => numberOf(sql`SELECT count(*)::int AS n FROM beta_invites WHERE cohort = 'stop'`);
      const rows = Array.from({ length: 1200 }, (_, n) => ({ email: `stop-${n}@example.org`, cohort: 'stop' }));
      // A pool of one connection runs the two chunks in flight one after the other, in the order
      // they were started (PGlite has one connection anyway): the failing chunk 0 has failed before
      // chunk 1, already started, ends, so what must follow is exact, whatever the machine's load.
      // On a larger pool the other worker may insert every other chunk before the failure is seen.
      const url = (conn as { url?: string }).url;
      const one = url ? await openDatabase({ databaseUrl: url, maxConnections: 1 }) : undefined;
      try {
        await expect(createInvites((one ?? conn).db, rows, { chunkSize: 300 })).rejects.toMatchObject({ code: 'INVITES_DB_UNREACHABLE' });
      } finally {
        await one?.close();
      }
      const atThrow = await stored();
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await stored()).toBe(atThrow);
      // chunk 1 (in flight when chunk 0 failed) is in; chunks 2 and 3 were never started
      expect(atThrow).toBe(300);
    });
  });

  it("analyzeInvites brings the planner's row count of beta_invites up to date", async () => {
    await createInvites(
      conn.db,
      Array.from({ length: 300 }, (_, n) => ({ email: `stats${n}@example.org`, cohort: 'stats' })),
    );
    const count = await numberOf(sql`SELECT count(*)::int AS n FROM beta_invites`);
    expect(count).toBeGreaterThanOrEqual(300);
    await analyzeInvites(conn.db);
    // a table this small is read whole by ANALYZE: the estimate is the count
    expect(await numberOf(sql`SELECT reltuples::float8 AS n FROM pg_class WHERE relname = 'beta_invites'`)).toBe(count);
  });

  it('never claims an expired invite, and reports it as expired', async () => {
    const [late, live] = (
      await createInvites(conn.db, [
        { email: 'late@example.org', cohort: 'expiry' },
        { email: 'live@example.org', cohort: 'expiry' },
      ])
    ).map(created);
    await setInviteExpiry(conn.db, late!.id, new Date(Date.now() - 60_000));
    expect(await claimInvitesForSend(conn.db, [late!.id, live!.id], 'w', 10)).toEqual([live!.id]);
    expect((await sendStates(conn.db, [late!.id, live!.id])).map((s) => s.state)).toEqual(['expired', 'claimed']);
  });

  it('tells a live dispatcher (holding its lock) from a dead one', async () => {
    const release = await conn.holdLock('worker-a');
    // PGlite has one session, so its own locks never look held (one process owns the directory)
    expect(await isDispatcherAlive(conn.db, 'worker-a')).toBe(backend.name === 'postgres');
    await release();
    expect(await isDispatcherAlive(conn.db, 'worker-a')).toBe(false);
    expect(await isDispatcherAlive(conn.db, 'never-started')).toBe(false);
  });

  (backend.name === 'postgres' ? it : it.skip)(
    'holdLock says once that its lock was lost when its session ends under it (pg_terminate_backend, a restart), never after its release',
    async () => {
      const lost: string[] = [];
      const release = await conn.holdLock('worker-lost', { onLost: (reason) => lost.push(reason) });
      expect(lost).toEqual([]);
      expect(await endLockSession(conn, 'worker-lost')).toBe(1);
      for (let i = 0; i < 500 && lost.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(lost).toEqual([LOCK_LOST_REASON]);
      expect(await isDispatcherAlive(conn.db, 'worker-lost')).toBe(false);
      // nothing is left to unlock: the release opens no new session for it, and says nothing more
      const started = Date.now();
      await release();
      await release();
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(lost).toHaveLength(1);
      expect(await isDispatcherAlive(conn.db, 'worker-lost')).toBe(false);

      // a release is not a loss
      const kept: string[] = [];
      const releaseKept = await conn.holdLock('worker-kept', { onLost: (reason) => kept.push(reason) });
      expect(await isDispatcherAlive(conn.db, 'worker-kept')).toBe(true);
      await releaseKept();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(kept).toEqual([]);
      expect(await isDispatcherAlive(conn.db, 'worker-kept')).toBe(false);
    },
  );

  it("a lock's release after its connection's close resolves, as on PostgreSQL (the embedded database threw 'PGlite is closed': a backend's sender.close() after its finally's conn.close())", async () => {
    const other = await openTestDatabase(backend, { maxConnections: 1 });
    const release = await other.holdLock('worker-released-late');
    await other.close();
    await expect(release()).resolves.toBeUndefined();
    await expect(release()).resolves.toBeUndefined();
  }, 60_000);

  (backend.name === 'postgres' ? it : it.skip)(
    "close ends the sessions of locks still held (a backend's finally after an error, its outbox sender still open): the locks go, their holders hear onLost",
    async () => {
      const url = (conn as Connection & { url?: string }).url!;
      for (const now of [false, true]) {
        const other = await openDatabase({ databaseUrl: url, maxConnections: 1 });
        const lost: string[] = [];
        await other.holdLock('worker-closed', { onLost: (reason) => lost.push(reason) });
        expect(await isDispatcherAlive(conn.db, 'worker-closed')).toBe(true);
        // before: close() ended the pool only, and the lock's session stayed (held, and its socket kept the process alive)
        await other.close({ now });
        // onLost comes from the lock client's close event, which may follow the server's release by a turn or more
        for (let i = 0; i < 500 && ((await isDispatcherAlive(conn.db, 'worker-closed')) || lost.length === 0); i++)
          await new Promise((resolve) => setTimeout(resolve, 10));
        expect(await isDispatcherAlive(conn.db, 'worker-closed')).toBe(false);
        expect(lost).toEqual([LOCK_LOST_REASON]);
      }
    },
  );

  it('reports the funnel per cohort', async () => {
    const [x, y, z] = (
      await createInvites(conn.db, [
        { email: 'f1@example.org', cohort: 'funnel' },
        { email: 'f2@example.org', cohort: 'funnel' },
        { email: 'f3@example.org', cohort: 'funnel' },
      ])
    ).map(created);
    await claimInvitesForSend(conn.db, [x!.id, y!.id], 'w', 5);
    await markInviteSent(conn.db, x!.id);
    await markInviteSent(conn.db, y!.id);
    await redeemInvite(conn.db, x!.code);
    await revokeInvites(conn.db, { code: z!.code });
    const report = await inviteReport(conn.db);
    expect(report.cohorts.find((c) => c.cohort === 'funnel')).toEqual({
      cohort: 'funnel',
      invited: 3,
      sent: 2,
      redeemed: 1,
      expired: 0,
      revoked: 1,
      redemptionRate: 0.5,
    });
    expect(report.total.invited).toBeGreaterThanOrEqual(3);
  });

  it('leaves the test cohort out of the funnel and the testers count, and deletes only test invites left behind', async () => {
    const before = { report: await inviteReport(conn.db), redeemed: await countRedeemedInvites(conn.db) };
    // a preflight killed between its redeem and its end left this one, redeemed
    const [left, young, real] = (
      await createInvites(conn.db, [
        { email: 'preflight-fresh-old@preflight.invalid.example', cohort: TEST_COHORT },
        { email: 'preflight-fresh-new@preflight.invalid.example', cohort: TEST_COHORT },
        { email: 'someone@preflight.invalid.example', cohort: 'not-a-test' },
      ])
    ).map(created);
    expect((await redeemInvite(conn.db, left!.code)).ok).toBe(true);
    const after = await inviteReport(conn.db);
    expect(after.cohorts.map((c) => c.cohort)).not.toContain(TEST_COHORT);
    expect(after.total.redeemed).toBe(before.report.total.redeemed);
    expect(after.total.invited).toBe(before.report.total.invited + 1); // the real one only
    expect(await countRedeemedInvites(conn.db)).toBe(before.redeemed);
    expect(await countRedeemedInvites(conn.db, TEST_COHORT)).toBe(1); // asked for by name, it is counted

    await conn.db.execute(sql`UPDATE beta_invites SET created_at = now() - interval '1 hour' WHERE id IN (${left!.id}, ${real!.id})`);
    expect(await deleteTestInvites(conn.db, 'preflight.invalid.example', 15 * 60_000)).toBe(1);
    const ids = await rows<{ id: string }>(
      conn,
      sql`SELECT id FROM beta_invites WHERE email LIKE '%@preflight.invalid.example' ORDER BY email`,
    );
    expect(ids.map((r) => r.id).sort()).toEqual([young!.id, real!.id].sort());
  });

  it("judges a test invite's age by the database's clock: one just made is kept with this machine's clock 20 min ahead", async () => {
    // PGlite's clock is this process's own: no skew to have
    if (backend.name !== 'postgres') return;
    const [young] = (
      await createInvites(conn.db, [{ email: 'preflight-fresh-running@preflight.invalid.example', cohort: TEST_COHORT }])
    ).map(created);
    // another preflight's invite, made a moment ago; this machine's clock runs 20 minutes ahead of PostgreSQL's
    const now = Date.now();
    const ahead = jest.spyOn(Date, 'now').mockReturnValue(now + 20 * 60_000);
    try {
      await deleteTestInvites(conn.db, 'preflight.invalid.example', 15 * 60_000);
    } finally {
      ahead.mockRestore();
    }
    const kept = await rows<{ id: string }>(conn, sql`SELECT id FROM beta_invites WHERE id = ${young!.id}`);
    expect(kept.map((r) => r.id)).toEqual([young!.id]);
  });

  it('counts people in the funnel: an invite revoked and issued again is one person, in the cohort of the one issued again', async () => {
    const [bounced, leftOut, moved] = (
      await createInvites(conn.db, [
        { email: 'Re1@example.org', cohort: 'reissue-a' },
        { email: 're2@example.org', cohort: 'reissue-a' },
        { email: 're3@example.org', cohort: 'reissue-a' },
      ])
    ).map(created);
    await claimInvitesForSend(conn.db, [bounced!.id, leftOut!.id], 'w-reissue', 5);
    await markInviteSent(conn.db, bounced!.id);
    await markInviteSent(conn.db, leftOut!.id);
    // re1: revoked and issued again (a resend), sent and redeemed; re2: asked to be left out after the email went
    await revokeInvites(conn.db, { email: 're1@example.org' });
    await revokeInvites(conn.db, { email: 're2@example.org' });
    const [again] = (await createInvites(conn.db, [{ email: 're1@example.org', cohort: 'reissue-a' }])).map(created);
    await claimInvitesForSend(conn.db, [again!.id], 'w-reissue', 5);
    await markInviteSent(conn.db, again!.id);
    expect((await redeemInvite(conn.db, again!.code)).ok).toBe(true);
    // re3: revoked before its email, issued again in another cohort, not sent yet
    await revokeInvites(conn.db, { code: moved!.code });
    created((await createInvites(conn.db, [{ email: 're3@example.org', cohort: 'reissue-b' }]))[0]);

    const report = await inviteReport(conn.db);
    expect(report.cohorts.filter((c) => c.cohort.startsWith('reissue-'))).toEqual([
      { cohort: 'reissue-a', invited: 2, sent: 2, redeemed: 1, expired: 0, revoked: 1, redemptionRate: 1 },
      { cohort: 'reissue-b', invited: 1, sent: 0, redeemed: 0, expired: 0, revoked: 0, redemptionRate: 0 },
    ]);
    // each person in one cohort: the total is the sum of the rows shown above it
    for (const key of ['invited', 'sent', 'redeemed', 'expired', 'revoked'] as const)
      expect(report.total[key]).toBe(report.cohorts.reduce((n, c) => n + c[key], 0));
  });

  it('counts in the funnel as sent a person who redeemed the code of a send cut by a crash (the email arrived); a code no dispatch tried is not sent', async () => {
    const [cut, untried, handed] = (
      await createInvites(conn.db, [
        { email: 'cut@funnel-cut.example', cohort: 'funnel-cut' },
        { email: 'untried@funnel-cut.example', cohort: 'funnel-cut' },
        { email: 'handed@funnel-cut.example', cohort: 'funnel-cut' },
      ])
    ).map(created);
    // a dispatcher killed while the mailer had cut's email: claimed, never recorded as sent; the person redeems it
    await claimInvitesForSend(conn.db, [cut!.id], 'w-killed', 1);
    expect((await redeemInvite(conn.db, cut!.code)).ok).toBe(true);
    // a code no dispatch ever tried, redeemed (given by hand, a test): not an email sent
    expect((await redeemInvite(conn.db, handed!.code)).ok).toBe(true);
    expect(untried).toBeDefined();
    const row = (await inviteReport(conn.db)).cohorts.find((c) => c.cohort === 'funnel-cut');
    expect(row).toEqual({ cohort: 'funnel-cut', invited: 3, sent: 1, redeemed: 2, expired: 0, revoked: 0, redemptionRate: 2 / 3 });
  });
});

describe('bad connections', () => {
  it('names an unreachable database without its password', async () => {
    const error = await openDatabase({ databaseUrl: 'postgres://veza:hunter2@127.0.0.1:1/veza' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INVITES_DB_UNREACHABLE' });
    expect(String((error as Error).message)).toContain('postgres://veza:***@127.0.0.1:1/veza');
    expect(String((error as Error).message)).not.toContain('hunter2');
  });

  it('keeps an embedded database to one opener at a time, and frees it on close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'veza-lock-'));
    try {
      const first = await openDatabase({ dataDir: dir });
      const error = await openDatabase({ dataDir: dir }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'INVITES_DB_BUSY' });
      // this process holds it: said so, not "another veza-beta command" with this process's own pid
      expect((error as Error).message).toContain(`is already open in this process (pid ${process.pid})`);
      expect((error as Error).message).not.toContain('another veza-beta command');
      await first.close();
      writeFileSync(join(dir, 'veza.lock'), '999999999'); // left by a process that died
      const second = await openDatabase({ dataDir: dir });
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('a start killed before PostgreSQL wrote its pid (postmaster.pid left empty by a kill -9) does not shut the embedded database for good', async () => {
    // the chaos run (tools/chaos, seed 507 on PGlite): a db migrate killed -9 as PGlite started left postmaster.pid empty, and
    // every later command stopped with "PGlite failed to initialize properly … is its disk full, or its folder damaged?"
    const pglite = testBackends().find((b) => b.name === 'pglite')!;
    const dir = mkdtempSync(join(tmpdir(), 'veza-emptypid-'));
    try {
      const conn = await openTestDatabase(pglite, { dataDir: join(dir, 'db') });
      const [created] = await createInvites(conn.db, [{ email: 'kept@example.org', cohort: 'unit' }]);
      await conn.close();
      if (created?.status !== 'created') throw new Error(`fixture invite not created: ${JSON.stringify(created)}`);
      writeFileSync(join(dir, 'db', 'postmaster.pid'), '');
      const again = await openDatabase({ dataDir: join(dir, 'db') });
      try {
        expect((await sendStates(again.db, [created.id]))[0]?.state).toBe('ready');
      } finally {
        await again.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('a db/ that is a link to the database folder (moved to a bigger disk, linked back) opens: it said "file system error 44 … free some space or fix its folder"', async () => {
    const pglite = testBackends().find((b) => b.name === 'pglite')!;
    const dir = mkdtempSync(join(tmpdir(), 'veza-linked-'));
    try {
      const conn = await openTestDatabase(pglite, { dataDir: join(dir, 'disk', 'veza-db') });
      const [created] = await createInvites(conn.db, [{ email: 'linked@example.org', cohort: 'unit' }]);
      await conn.close();
      if (created?.status !== 'created') throw new Error(`fixture invite not created: ${JSON.stringify(created)}`);
      mkdirSync(join(dir, '.veza'));
      symlinkSync(join(dir, 'disk', 'veza-db'), join(dir, '.veza', 'db'));
      const linked = await openDatabase({ dataDir: join(dir, '.veza', 'db') });
      try {
        expect((await sendStates(linked.db, [created.id]))[0]?.state).toBe('ready');
        await expect(assertReady(linked)).resolves.toBeUndefined();
        // the folder by its real path, in this process: refused as through the same name (a second PGlite on the
        // folder corrupts it), the error naming the path given; the first keeps its lock file
        const second = openDatabase({ dataDir: join(dir, 'disk', 'veza-db') });
        void second.then((opened) => opened.close()).catch(() => undefined); // opened (the bug): closed, not left to hold the test
        await expect(second).rejects.toMatchObject({
          code: 'INVITES_DB_BUSY',
          message: expect.stringContaining(
            `the embedded database ${join(dir, 'disk', 'veza-db')} is already open in this process (pid ${process.pid})`,
          ),
        });
        expect(readFileSync(join(dir, '.veza', 'db', 'veza.lock'), 'utf8')).toContain(join(dir, '.veza', 'db', 'veza.lock'));
      } finally {
        await linked.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('an embedded connection closed twice leaves a later open in this process its lock (a third is refused)', async () => {
    // The second close released the lock again: it forgot the later open's lock held here, and a third open read
    // this pid in veza.lock, found nothing held here and took it over as an earlier life's: two PGlite on one folder.
    const dir = mkdtempSync(join(tmpdir(), 'veza-twice-'));
    try {
      const first = await openDatabase({ dataDir: join(dir, 'db') });
      await first.close();
      const second = await openDatabase({ dataDir: join(dir, 'db') });
      try {
        await first.close().catch(() => undefined); // PGlite may say it is closed already
        const third = openDatabase({ dataDir: join(dir, 'db') });
        void third.then((opened) => opened.close()).catch(() => undefined); // opened (the bug): closed, not left to hold the test
        await expect(third).rejects.toMatchObject({ code: 'INVITES_DB_BUSY' });
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('an embedded database whose folder is deleted under it is not ready (it answered "ready" from its buffers, then 500 on every lookup)', async () => {
    const pglite = testBackends().find((b) => b.name === 'pglite')!;
    const dir = mkdtempSync(join(tmpdir(), 'veza-deleted-'));
    const conn = await openTestDatabase(pglite, { dataDir: join(dir, 'db') });
    try {
      await expect(assertReady(conn)).resolves.toBeUndefined();
      rmSync(dir, { recursive: true, force: true });
      await expect(assertReady(conn)).rejects.toMatchObject({
        code: 'INVITES_DB_UNREACHABLE',
        message: `cannot reach the database at embedded database ${join(dir, 'db')}: its folder is gone (deleted or moved while this process ran): stop this process, put the folder back (or a copy of it), and start it again`,
      });
    } finally {
      await conn.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('a folder made by another PGlite (another PostgreSQL major) is named as such, not "disk full or damaged?", and left as it is', async () => {
    const memory = await openDatabase({ dataDir: 'memory://' });
    try {
      // the constant follows the installed PGlite: an upgrade to another major fails here until it is changed
      const [row] = await rows<{ v: string }>(memory, sql`SELECT current_setting('server_version_num') AS v`);
      expect(String(Math.floor(Number(row!.v) / 10_000))).toBe(PGLITE_POSTGRES_MAJOR);
    } finally {
      await memory.close();
    }
    const dir = mkdtempSync(join(tmpdir(), 'veza-oldver-'));
    try {
      writeFileSync(join(dir, 'PG_VERSION'), '16\n');
      const error = await openDatabase({ dataDir: dir }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'INVITES_DB_UNREACHABLE' });
      expect((error as Error).message).toBe(
        `cannot reach the database at embedded database ${dir}: the folder was made by PostgreSQL 16 (its PG_VERSION), another PGlite version than this one (PostgreSQL ${PGLITE_POSTGRES_MAJOR}), which cannot open it: open it with the veza-beta version that made it and move its data to PostgreSQL (DATABASE_URL), or set VEZA_DATA_DIR to a new folder; this one is left as it is`,
      );
      expect(readdirSync(dir)).toEqual(['PG_VERSION']); // nothing written, the lock released
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('a folder copied (or moved) with the lock of a process still running says so, not "in use by" that process', async () => {
    // cp -a .veza while the API ran: the copy was "in use by process N … If no such process runs, remove veza.lock", and N ran.
    const dir = mkdtempSync(join(tmpdir(), 'veza-copied-'));
    const holder = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      const copy = join(dir, 'copy', 'db');
      mkdirSync(copy, { recursive: true });
      const original = join(dir, 'original', 'db');
      const lock = (path: string) => JSON.stringify({ pid: holder.pid, host: hostname(), startedAt: 'x', path: join(path, 'veza.lock') });
      writeFileSync(join(copy, 'veza.lock'), lock(original));
      const copied = await openDatabase({ dataDir: copy }).catch((e: unknown) => e);
      expect(copied).toMatchObject({ code: 'INVITES_DB_BUSY' });
      expect((copied as Error).message).toBe(
        `the embedded database ${copy} was copied (or moved) from ${original} while process ${holder.pid} used it: its veza.lock came along, and a copy taken while a process writes may be inconsistent. Stop that process and copy the folder again; to use this copy as it is, remove ${join(copy, 'veza.lock')}`,
      );
      // the same folder by another name (a symlink) is the folder in use, not a copy
      symlinkSync(join(dir, 'copy'), join(dir, 'link'));
      writeFileSync(join(copy, 'veza.lock'), lock(join(dir, 'link', 'db')));
      const same = await openDatabase({ dataDir: copy }).catch((e: unknown) => e);
      expect((same as Error).message).toContain(`is in use by process ${holder.pid}`);
    } finally {
      holder.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the embedded database to its owner (0700, also a folder made 0755 beforehand), and refuses a folder of something else', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'veza-owner-'));
    try {
      const data = join(dir, 'db');
      mkdirSync(data, { mode: 0o755 });
      chmodSync(data, 0o755);
      const conn = await openDatabase({ dataDir: data });
      await conn.close();
      expect(statSync(data).mode & 0o777).toBe(0o700);
      const other = join(dir, 'other');
      mkdirSync(other);
      writeFileSync(join(other, 'notes.txt'), 'mine');
      await expect(openDatabase({ dataDir: other })).rejects.toMatchObject({
        code: 'INVITES_DB_UNREACHABLE',
        message: expect.stringContaining('the folder holds other files (notes.txt) and no database: give it an empty folder of its own'),
      });
      expect(readdirSync(other)).toEqual(['notes.txt']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('says "not migrated" on an empty database', async () => {
    const conn = await openDatabase({ dataDir: 'memory://' });
    try {
      await expect(lookupInvite(conn.db, '0000-0000-0000-0000')).rejects.toMatchObject({ code: 'INVITES_DB_NOT_MIGRATED' });
      await expect(createInvites(conn.db, [{ email: 'a@example.org', cohort: 'c' }])).rejects.toMatchObject({
        code: 'INVITES_DB_NOT_MIGRATED',
      });
    } finally {
      await conn.close();
    }
  });
});
