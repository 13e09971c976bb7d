import { expect } from '@jest/globals';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { createInvites, dispatchStep, revokeInvites, sendStates } from '../src/index.js';
import type { Connection, CreateOutcome, Database } from '../src/index.js';
import { openTestDatabase, testBackends } from '../src/testing.js';

function created(outcome: CreateOutcome | undefined) {
  if (outcome?.status !== 'created') throw new Error(`expected created, got ${JSON.stringify(outcome)}`);
  return outcome;
}

const postgresOnly = testBackends().filter((b) => b.name === 'postgres');

// dispatchStep runs once per batch of a dispatch: sent unprepared, it cost two round trips and a parse
// and plan on the server each time (DECISIONS.md, twelfth round, dispatch's database client)
describe.each(postgresOnly)('dispatchStep as a prepared statement ($name)', (backend) => {
  let conn: Connection & { url?: string };
  let n = 0;
  const invites = async (db: Database, count: number) =>
    (
      await createInvites(
        db,
        Array.from({ length: count }, () => ({ email: `d${Date.now()}-${n++}@example.org`, cohort: 'prep' })),
      )
    ).map(created);
  beforeAll(async () => {
    conn = await openTestDatabase(backend);
  }, 120_000);
  afterAll(() => conn?.close());

  it('is prepared once on the connection and reused, with the same claims and sent marks', async () => {
    // one connection: the statements and the catalogue query share a session
    const client = postgres(conn.url!, { max: 1, onnotice: () => undefined });
    try {
      const db = drizzlePostgres(client) as unknown as Database;
      const ids = (await invites(db, 5)).map((invite) => invite.id);
      const first = await dispatchStep(db, { sentIds: [], claimIds: ids, worker: 'w-prep', limit: 2 });
      expect(first.claims.map((c) => c.id)).toEqual(ids.slice(0, 2));
      const second = await dispatchStep(db, {
        sentIds: first.claims.map((c) => c.id),
        claimIds: ids,
        worker: 'w-prep',
        limit: 2,
      });
      expect(second.claims.map((c) => c.id)).toEqual(ids.slice(2, 4));
      expect((await sendStates(db, ids)).map((s) => s.state)).toEqual(['sent', 'sent', 'claimed', 'claimed', 'ready']);
      const prepared = await client<{ statement: string }[]>`
        SELECT statement FROM pg_prepared_statements WHERE statement ~ '^[[:space:]]*WITH sent AS'`;
      // one statement for both calls: the text is the same each time, the values are parameters
      expect(prepared).toHaveLength(1);
    } finally {
      await client.end();
    }
  });

  it("runs inside the caller's transaction: a rollback gives the claims back", async () => {
    const ids = (await invites(conn.db, 2)).map((invite) => invite.id);
    const rollback = new Error('roll back');
    await expect(
      conn.db.transaction(async (tx) => {
        const step = await dispatchStep(tx, { sentIds: [], claimIds: ids, worker: 'w-tx', limit: 2 });
        expect(step.claims.map((c) => c.id)).toEqual(ids);
        throw rollback;
      }),
    ).rejects.toBe(rollback);
    expect((await sendStates(conn.db, ids)).map((s) => s.state)).toEqual(['ready', 'ready']);
  });
});

// dispatchStep's text is a constant with $1…$5 (DECISIONS.md, thirteenth round): the lists' sizes change from
// call to call, the statement does not; on PGlite and in a transaction it goes through db.execute
describe.each(testBackends())("dispatchStep's one statement on $name", (backend) => {
  let conn: Connection & { url?: string };
  let n = 0;
  beforeAll(async () => {
    conn = await openTestDatabase(backend);
  }, 120_000);
  afterAll(() => conn?.close());
  const invites = async (db: Database, count: number) =>
    (
      await createInvites(
        db,
        Array.from({ length: count }, () => ({ email: `one${n++}@example.org`, cohort: 'one' })),
      )
    ).map(created);

  /** A few steps as a dispatcher takes them, each list of another size; what they claimed, dropped and left. */
  const steps = async (db: Database) => {
    const made = await invites(db, 24);
    const ids = made.map((invite) => invite.id);
    const given = [...ids].reverse(); // the caller's order, not the table's
    const first = await dispatchStep(db, { sentIds: [], claimIds: given, worker: 'w-one', limit: 3 });
    const [a, b, c] = first.claims.map((claim) => claim.id);
    await revokeInvites(db, { code: made.find((invite) => invite.id === c)!.code });
    const second = await dispatchStep(db, {
      sentIds: [a!],
      claimIds: given.slice(3, 20),
      recheckIds: [b!, c!],
      worker: 'w-one',
      limit: 16,
    });
    // not UUIDs, an id twice (once in capitals), an id claimed already: only the ready one is claimed, once
    const third = await dispatchStep(db, {
      sentIds: [b!, ...second.claims.map((claim) => claim.id)],
      claimIds: ['not-a-uuid', given[20]!.toUpperCase(), given[20]!, given[3]!, "'); DROP TABLE beta_invites; --"],
      worker: 'w-one',
      limit: 16,
    });
    return { given, first, second, third, states: await sendStates(db, given) };
  };

  const expectSteps = (run: Awaited<ReturnType<typeof steps>>) => {
    const { given, first, second, third, states } = run;
    expect(first.claims.map((claim) => claim.id)).toEqual(given.slice(0, 3));
    expect(first.claims.every((claim) => /^[0-9a-f]{64}$/.test(claim.codeDigest))).toBe(true);
    expect(second.claims.map((claim) => claim.id)).toEqual(given.slice(3, 19));
    expect(second.dropped).toEqual([{ id: given[2], state: 'revoked' }]);
    expect(second.sentRevoked).toEqual([]);
    expect(third.claims.map((claim) => claim.id)).toEqual([given[20]]);
    expect(states.map((state) => state.state)).toEqual([
      'sent',
      'sent',
      'revoked',
      ...given.slice(3, 19).map(() => 'sent'),
      'ready',
      'claimed',
      'ready',
      'ready',
      'ready',
    ]);
  };

  it('claims in the given order, records the sends and drops a revoked claim, whatever the sizes of its lists', async () => {
    expectSteps(await steps(conn.db));
  });

  it("does the same inside the caller's transaction", async () => {
    let run: Awaited<ReturnType<typeof steps>> | undefined;
    await conn.db.transaction(async (tx) => {
      run = await steps(tx);
    });
    expectSteps(run!);
  });

  if (backend.name === 'postgres') {
    it('is one prepared statement on the connection for all those sizes, and skips a row another session holds', async () => {
      const client = postgres(conn.url!, { max: 1, onnotice: () => undefined });
      const other = postgres(conn.url!, { max: 1, onnotice: () => undefined });
      try {
        const db = drizzlePostgres(client) as unknown as Database;
        expectSteps(await steps(db));
        const ids = (await invites(db, 4)).map((invite) => invite.id);
        let release!: () => void;
        const released = new Promise<void>((resolve) => (release = resolve));
        let locked!: () => void;
        const isLocked = new Promise<void>((resolve) => (locked = resolve));
        const holder = other.begin(async (tx) => {
          await tx`SELECT id FROM beta_invites WHERE id = ${ids[1]!} FOR UPDATE`;
          locked();
          await released;
        });
        await isLocked;
        const step = await dispatchStep(db, { sentIds: [], claimIds: ids, worker: 'w-one', limit: 3 });
        release();
        await holder;
        expect(step.claims.map((claim) => claim.id)).toEqual([ids[0], ids[2], ids[3]]);
        const prepared = await client<{ statement: string }[]>`
          SELECT statement FROM pg_prepared_statements WHERE statement ~ '^[[:space:]]*WITH sent AS'`;
        expect(prepared).toHaveLength(1);
      } finally {
        await client.end();
        await other.end();
      }
    });
  }
});
