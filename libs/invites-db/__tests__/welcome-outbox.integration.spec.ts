import { sql } from 'drizzle-orm';
import {
  claimWelcomeEmail,
  claimedWelcomeEmails,
  clearWelcomeClaims,
  createInvites,
  exhaustedWelcomeEmails,
  listWelcomeOutbox,
  lookupInvite,
  markWelcomeSent,
  redeemInvite,
  releaseWelcomeClaim,
} from '../src/index.js';
import type { Connection, CreateOutcome } from '../src/index.js';
import { openTestDatabase, testBackends } from '../src/testing.js';

function created(outcome: CreateOutcome | undefined) {
  if (outcome?.status !== 'created') throw new Error(`expected created, got ${JSON.stringify(outcome)}`);
  return outcome;
}

describe.each(testBackends())('welcome outbox on $name', (backend) => {
  let conn: Connection;
  beforeAll(async () => {
    conn = await openTestDatabase(backend, { maxConnections: 20 });
  }, 120_000);
  afterAll(() => conn?.close());

  it('a redemption with queueWelcome queues exactly one welcome email, even when redeemed ten times at once; without it, none', async () => {
    const [a, b] = (
      await createInvites(conn.db, [
        { email: 'wa@example.org', cohort: 'w', name: 'Wa' },
        { email: 'wb@example.org', cohort: 'w' },
      ])
    ).map(created);
    const results = await Promise.all(Array.from({ length: 10 }, () => redeemInvite(conn.db, a!.code, null, { queueWelcome: true })));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect((await redeemInvite(conn.db, b!.code)).ok).toBe(true);
    const rows = (await listWelcomeOutbox(conn.db)).filter((r) => r.email.startsWith('w'));
    expect(rows.map((r) => [r.inviteId, r.email, r.name, r.sentAt])).toEqual([[a!.id, 'wa@example.org', 'Wa', null]]);
  });

  it('claims each row once, skips tried and exhausted rows, and keeps unknown claims until cleared', async () => {
    const invites = (
      await createInvites(
        conn.db,
        ['c1', 'c2', 'c3'].map((n) => ({ email: `${n}@example.org`, cohort: 'claims' })),
      )
    ).map(created);
    for (const invite of invites) await redeemInvite(conn.db, invite.code, null, { queueWelcome: true });
    const mine = new Set(invites.map((i) => i.email));
    const claimAll = async (worker: string, exclude: string[] = []) => {
      const got = [];
      for (
        let row = await claimWelcomeEmail(conn.db, worker, { maxAttempts: 2, exclude });
        row;
        row = await claimWelcomeEmail(conn.db, worker, { maxAttempts: 2, exclude })
      ) {
        got.push(row);
        exclude.push(row.id);
      }
      return got.filter((r) => mine.has(r.email));
    };
    const first = await claimAll('w1');
    expect(first.map((r) => r.email).sort()).toEqual(['c1@example.org', 'c2@example.org', 'c3@example.org']);
    expect(await claimAll('w2')).toEqual([]); // all claimed by w1
    const [sent, failed, unknown] = first;
    await markWelcomeSent(conn.db, sent!.id);
    await releaseWelcomeClaim(conn.db, failed!.id, 'ECONNREFUSED', { temporary: true });
    expect((await claimAll('w2', [failed!.id])).length).toBe(0); // excluded by this drain
    // a relay that was down said nothing about the address: not an attempt
    expect((await claimAll('w2')).map((r) => [r.id, r.attempts])).toEqual([[failed!.id, 0]]);
    await releaseWelcomeClaim(conn.db, failed!.id, '450 mailbox busy', { temporary: true });
    await releaseWelcomeClaim(conn.db, failed!.id, '552 mailbox full');
    const again = await claimAll('w2');
    expect(again.map((r) => [r.id, r.attempts])).toEqual([[failed!.id, 1]]);
    await releaseWelcomeClaim(conn.db, failed!.id, '550 no such user');
    expect(await claimAll('w3')).toEqual([]); // 2 attempts: exhausted
    expect((await exhaustedWelcomeEmails(conn.db, 2)).map((r) => [r.email, r.lastError])).toContainEqual([
      failed!.email,
      '550 no such user',
    ]);
    expect((await claimedWelcomeEmails(conn.db)).map((c) => [c.id, c.claimedBy])).toContainEqual([unknown!.id, 'w1']);
    expect(await clearWelcomeClaims(conn.db, [unknown!.id])).toBe(1);
    expect((await claimAll('w4')).map((r) => r.id)).toEqual([unknown!.id]);
  });

  it('if the welcome email cannot be queued, the redemption rolls back: the code stays valid', async () => {
    const scratch = await openTestDatabase(backend);
    try {
      const [invite] = (await createInvites(scratch.db, [{ email: 'rb@example.org', cohort: 'rollback' }])).map(created);
      await scratch.db.execute(sql`ALTER TABLE welcome_outbox RENAME TO welcome_outbox_gone`);
      await expect(redeemInvite(scratch.db, invite!.code, null, { queueWelcome: true })).rejects.toThrow();
      expect((await lookupInvite(scratch.db, invite!.code)).state).toBe('valid');
      await scratch.db.execute(sql`ALTER TABLE welcome_outbox_gone RENAME TO welcome_outbox`);
      expect((await redeemInvite(scratch.db, invite!.code, null, { queueWelcome: true })).ok).toBe(true);
      expect(await listWelcomeOutbox(scratch.db)).toHaveLength(1);
    } finally {
      await scratch.close();
    }
  }, 60_000);
});
