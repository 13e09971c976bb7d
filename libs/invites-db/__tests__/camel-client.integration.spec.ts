import { expect } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import {
  createInvites,
  createUser,
  findExistingUserEmails,
  hasGateRunsTable,
  inviteReport,
  isDispatcherAlive,
  lookupInvite,
  markSentAndClaimWithDigests,
  migrationStatus,
  redeemInvite,
  readMigrationFiles,
  runMigrations,
  sendStates,
} from '../src/index.js';
import type { CreateOutcome } from '../src/index.js';
import { testBackends } from '../src/testing.js';

/**
 * A backend whose own postgres.js client renames columns (`transform: postgres.camel`,
 * code_digest → codeDigest): every function that reads a raw query's columns by
 * name (createInvites' insert, existing invites and senders, markSentAndClaim, the
 * dispatcher check, the migration runner, the table checks) still reads them.
 * PostgreSQL only: PGlite has no column transform.
 */
const url = testBackends().length > 1 ? process.env['TEST_DATABASE_URL'] : undefined;

function created(outcome: CreateOutcome | undefined) {
  if (outcome?.status !== 'created') throw new Error(`expected created, got ${JSON.stringify(outcome)}`);
  return outcome;
}

(url ? describe : describe.skip)('a backend postgres.js client with transform: postgres.camel', () => {
  const name = `veza_camel_${process.pid}_${Date.now()}`;
  let admin: postgres.Sql;
  let client: postgres.Sql;
  beforeAll(async () => {
    admin = postgres(url!, { max: 1, onnotice: () => undefined });
    await admin.unsafe(`CREATE DATABASE ${name}`);
    const target = new URL(url!);
    target.pathname = `/${name}`;
    client = postgres(target.toString(), { max: 2, onnotice: () => undefined, transform: postgres.camel });
  }, 60_000);
  afterAll(async () => {
    await client?.end();
    await admin?.unsafe(`DROP DATABASE IF EXISTS ${name}`);
    await admin?.end();
  });

  it('migrates, creates (with a sender, and again for the same email), claims, looks up and redeems through it', async () => {
    const applied = (await runMigrations(client)).applied;
    expect(applied.length).toBeGreaterThan(0);
    expect(await runMigrations(client)).toEqual({ applied: [], alreadyApplied: applied });
    expect((await migrationStatus(client)).pending).toEqual([]);
    const db = drizzle(client);
    expect(await hasGateRunsTable(db)).toBe(true);

    const sender = await createUser(db, 'ops@example.org');
    expect([...(await findExistingUserEmails(db, ['OPS@example.org', 'nobody@example.org']))]).toEqual(['ops@example.org']);
    const [ana, bo] = (
      await createInvites(db, [
        { email: 'ana@example.org', cohort: 'fans', sentBy: 'ops@example.org' },
        { email: 'bo@example.org', cohort: 'fans' },
      ])
    ).map(created);
    expect(ana!.expiresAt).toBeInstanceOf(Date);

    const [again] = await createInvites(db, [{ email: 'ANA@example.org', cohort: 'fans' }]);
    expect(again).toMatchObject({ status: 'skipped', existingId: ana!.id, existingSentAt: null });

    const claims = await markSentAndClaimWithDigests(db, [], [ana!.id, bo!.id], 'worker-1', 2);
    expect(claims.map((claim) => claim.id)).toEqual([ana!.id, bo!.id]);
    expect(claims.every((claim) => /^[0-9a-f]{64}$/.test(claim.codeDigest))).toBe(true);
    expect(await isDispatcherAlive(db, 'worker-1')).toBe(false);
    expect((await sendStates(db, [ana!.id])).map((state) => state.state)).toEqual(['claimed']);

    expect((await lookupInvite(db, ana!.code)).state).toBe('valid');
    expect((await redeemInvite(db, ana!.code, sender)).ok).toBe(true);
    expect((await lookupInvite(db, ana!.code)).state).toBe('used');
    expect((await inviteReport(db)).total).toMatchObject({ invited: 2, redeemed: 1 });
  }, 120_000);

  it("reads the session's lock_timeout for the migration's tries and keeps it, and refuses the shell scripts' table, through it", async () => {
    const other = `${name}_b`;
    await admin.unsafe(`CREATE DATABASE ${other}`);
    const target = new URL(url!);
    target.pathname = `/${other}`;
    const camel = postgres(target.toString(), {
      max: 1,
      onnotice: () => undefined,
      transform: postgres.camel,
      connection: { lock_timeout: 500 },
    });
    const dir = mkdtempSync(join(tmpdir(), 'veza-camel-'));
    try {
      writeFileSync(join(dir, '001_probe.sql'), "CREATE TABLE probe AS SELECT current_setting('lock_timeout') AS seen;");
      await runMigrations(camel, dir);
      // a try waits at most 1 s, or the session's own lock_timeout when shorter: read through the camel client
      // (0 read, the statements saw the try's 1s); the session keeps its own after (it was once restored to 0)
      expect(await camel`SELECT seen FROM probe`).toEqual([{ seen: '500ms' }]);
      expect(await camel`SELECT current_setting('lock_timeout') AS seen`).toEqual([{ seen: '500ms' }]);
      await camel.unsafe(
        'CREATE TABLE beta_invites (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), code text NOT NULL, email text NOT NULL)',
      );
      // the probe beside this version's files: a database with a file the folder lacks is refused as a newer version's
      for (const file of readMigrationFiles()) writeFileSync(join(dir, file.name), file.sql);
      const refused = runMigrations(camel, dir);
      await expect(refused).rejects.toMatchObject({ code: 'INVITES_MIGRATION_FAILED' });
      await expect(refused).rejects.toThrow('beta_invites already exists as the shell scripts made it');
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await camel.end();
      await admin.unsafe(`DROP DATABASE IF EXISTS ${other}`);
    }
  }, 60_000);
});
