import { expect } from '@jest/globals';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { createInvites, dispatchStep, sendStates } from '../src/index.js';
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
