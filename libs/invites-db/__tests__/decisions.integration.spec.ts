import { sql } from 'drizzle-orm';
import {
  claimInvitesForSend,
  createInvites,
  dispatchFacts,
  failedDispatches,
  latestDecision,
  listDecisions,
  recordDecision,
  recordGateRun,
  redeemInvite,
} from '../src/index.js';
import type { Connection } from '../src/index.js';
import { openTestDatabase, testBackends } from '../src/testing.js';

const run = (startedAt: string, verdict: 'GO' | 'NO-GO') => ({
  startedAt,
  finishedAt: startedAt,
  verdict,
  exitCode: verdict === 'GO' ? 0 : 1,
  gates: [],
});

describe.each(testBackends())('decisions on $name', (backend) => {
  let conn: Connection;
  beforeAll(async () => {
    conn = await openTestDatabase(backend);
  }, 120_000);
  afterAll(() => conn?.close());

  it('records a decision with no gate run stored, then links the newest stored run', async () => {
    const first = await recordDecision(conn.db, { decision: 'GO', by: ['Tech lead', 'Ana "PM", product'] });
    expect(first).toMatchObject({ decision: 'GO', note: null, by: ['Tech lead', 'Ana "PM", product'], gateRunId: null, gateVerdict: null });
    await recordGateRun(conn.db, { run: run('2026-12-01T17:00:00.000Z', 'GO'), state: {} });
    // Stored first, dated later: by a host whose clock was ahead. The run stored last is the newest, whatever its date.
    await recordGateRun(conn.db, { run: run('2027-06-01T00:00:00.000Z', 'GO'), state: {} });
    const { id: newest } = await recordGateRun(conn.db, { run: run('2026-12-01T17:55:00.000Z', 'NO-GO'), state: {} });
    const second = await recordDecision(conn.db, { decision: 'NO-GO', note: '  uploads fail on MinIO  ', by: [] });
    expect(second).toMatchObject({ decision: 'NO-GO', note: 'uploads fail on MinIO', by: [], gateRunId: newest, gateVerdict: 'NO-GO' });
    expect(second.decidedAt).toBeInstanceOf(Date);
    const listed = await listDecisions(conn.db);
    expect(listed.map((d) => d.id)).toEqual([second.id, first.id]);
    expect(listed[1]).toEqual(first);
    expect(await latestDecision(conn.db)).toEqual(second);
  });

  it('refuses a NO-GO without a note, in the lib and in the table', async () => {
    await expect(recordDecision(conn.db, { decision: 'NO-GO', note: '   ' })).rejects.toMatchObject({
      code: 'INVITES_INVALID_INPUT',
      field: 'note',
    });
    await expect(recordDecision(conn.db, { decision: 'MAYBE' as 'GO' })).rejects.toMatchObject({
      code: 'INVITES_INVALID_INPUT',
      field: 'decision',
    });
    await expect(conn.db.execute(sql`INSERT INTO decisions (decision, note) VALUES ('NO-GO', '')`)).rejects.toThrow();
  });

  it('dispatch facts: sent, failed and unknown counted from the rows', async () => {
    expect(await dispatchFacts(conn.db)).toEqual({ attempted: 0, sent: 0, failed: 0, unknown: 0, firstSentAt: null, lastSentAt: null });
    const created = await createInvites(
      conn.db,
      ['a', 'b', 'c', 'd'].map((x) => ({ email: `${x}@facts.example`, cohort: 'facts' })),
    );
    const [a, b, c] = created.map((o) => (o.status === 'created' ? o.id : ''));
    await conn.db.execute(sql`UPDATE beta_invites SET sent_at = '2026-12-01T18:00:00Z', send_attempts = 1 WHERE id = ${a}::uuid`);
    await conn.db.execute(
      sql`UPDATE beta_invites SET send_attempts = 2, last_send_error = '550 mailbox unavailable' WHERE id = ${b}::uuid`,
    );
    // claimed by a dispatcher that died mid-send (a claim by hand is refused: 996_claim_guard.sql)
    await claimInvitesForSend(conn.db, [c!], 'w1', 1);
    await conn.db.execute(sql`UPDATE beta_invites SET send_attempts = 1 WHERE id = ${c}::uuid`);
    const facts = await dispatchFacts(conn.db);
    expect(facts).toMatchObject({ attempted: 3, sent: 1, failed: 1, unknown: 1 });
    expect(facts.firstSentAt?.toISOString()).toBe('2026-12-01T18:00:00.000Z');
    expect(await failedDispatches(conn.db)).toEqual([
      { email: 'b@facts.example', cohort: 'facts', attempts: 2, lastError: '550 mailbox unavailable' },
      { email: 'c@facts.example', cohort: 'facts', attempts: 1, lastError: null },
    ]);
  });

  it('dispatch facts: a revoked invite whose send was cut or failed is out of the figures (its code works no more; no dispatch sends it)', async () => {
    const before = await dispatchFacts(conn.db);
    const created = await createInvites(
      conn.db,
      ['cut', 'bounced'].map((x) => ({ email: `${x}@revoked-facts.example`, cohort: 'revoked-facts' })),
    );
    const [cut, bounced] = created.map((o) => (o.status === 'created' ? o.id : ''));
    await claimInvitesForSend(conn.db, [cut!], 'w-dead', 1); // a dispatcher killed mid-send: unknown …
    await conn.db.execute(sql`UPDATE beta_invites SET send_attempts = 3, last_send_error = '550 no such user' WHERE id = ${bounced}::uuid`);
    expect(await dispatchFacts(conn.db)).toMatchObject({
      attempted: before.attempted + 2,
      unknown: before.unknown + 1,
      failed: before.failed + 1,
    });
    // … then both revoked: the d-day item asked to rerun the dispatch, which skips revoked invites, so it stayed 🔴 for good
    await conn.db.execute(sql`UPDATE beta_invites SET revoked_at = now() WHERE cohort = 'revoked-facts'`);
    const after = await dispatchFacts(conn.db);
    expect(after).toMatchObject({ attempted: before.attempted, sent: before.sent, failed: before.failed, unknown: before.unknown });
    expect(after.attempted).toBe(after.sent + after.failed + after.unknown);
  });

  it('dispatch facts: a redeemed invite whose send was cut or failed is sent, not unknown nor failed (its code reached the person; no dispatch sends it again)', async () => {
    const before = await dispatchFacts(conn.db);
    const created = await createInvites(
      conn.db,
      ['cut', 'refused'].map((x) => ({ email: `${x}@redeemed-facts.example`, cohort: 'redeemed-facts' })),
    );
    const [cut, refused] = created.map((o) => (o.status === 'created' ? o : null));
    await claimInvitesForSend(conn.db, [cut!.id], 'w-dead', 1); // a dispatcher killed while the mailer had it: unknown …
    await conn.db.execute(
      sql`UPDATE beta_invites SET send_attempts = 1, last_send_error = '451 try later' WHERE id = ${refused!.id}::uuid`,
    );
    expect(await dispatchFacts(conn.db)).toMatchObject({ unknown: before.unknown + 1, failed: before.failed + 1 });
    // … then both codes redeemed: the emails arrived. The dispatch skips them ('invite used'), and the d-day item
    // and the decision report said "1 failed, 1 unknown" for good, listing two testers as dispatch failures.
    expect((await redeemInvite(conn.db, cut!.code)).ok).toBe(true);
    expect((await redeemInvite(conn.db, refused!.code)).ok).toBe(true);
    const after = await dispatchFacts(conn.db);
    expect(after).toMatchObject({
      attempted: before.attempted + 2,
      sent: before.sent + 2,
      failed: before.failed,
      unknown: before.unknown,
    });
    expect(after.attempted).toBe(after.sent + after.failed + after.unknown);
    expect((await failedDispatches(conn.db)).filter((f) => f.cohort === 'redeemed-facts')).toEqual([]);
  });
});
