import { expect } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { createInvites, lookupInvite, migrationStatus, readMigrationFiles, redeemInvite, runMigrations, toDatabase } from '../src/index.js';
import type { Database, DatabaseClient } from '../src/index.js';
import { testBackends } from '../src/testing.js';

const ALL_MIGRATIONS = readMigrationFiles().map((file) => file.name);

/** A backend brings its own client: the lib migrates and queries through it. */
async function roundTrip(client: DatabaseClient, db: Database): Promise<string[]> {
  const first = await runMigrations(client);
  const again = await runMigrations(client);
  expect(again.applied).toEqual([]);
  expect((await migrationStatus(client)).pending).toEqual([]);
  const [created] = await createInvites(db, [{ email: 'own@example.org', cohort: 'fans/discord' }]);
  if (created?.status !== 'created') throw new Error(JSON.stringify(created));
  expect((await lookupInvite(db, created.code)).state).toBe('valid');
  expect((await db.transaction((tx) => redeemInvite(tx, created.code))).ok).toBe(true);
  expect((await lookupInvite(db, created.code)).state).toBe('used');
  return first.applied;
}

describe('a backend bringing its own database client', () => {
  it('its own PGlite, and a drizzle instance over it (no schema given)', async () => {
    const pg = new PGlite();
    try {
      expect(await roundTrip(pg, toDatabase(pg))).toEqual(ALL_MIGRATIONS);
      const db = drizzlePglite(pg);
      const [other] = await createInvites(db, [{ email: 'drizzle@example.org', cohort: 'c' }]);
      expect(other?.status).toBe('created');
      expect((await runMigrations(db)).applied).toEqual([]);
    } finally {
      await pg.close();
    }
  }, 120_000);

  const url = testBackends().length > 1 ? process.env['TEST_DATABASE_URL'] : undefined;
  (url ? it : it.skip)(
    'its own postgres.js client, and a drizzle instance over it',
    async () => {
      const admin = postgres(url!, { max: 1, onnotice: () => undefined });
      const name = `veza_own_${process.pid}_${Date.now()}`;
      await admin.unsafe(`CREATE DATABASE ${name}`);
      const target = new URL(url!);
      target.pathname = `/${name}`;
      const sql = postgres(target.toString(), { max: 2, onnotice: () => undefined });
      try {
        const db = drizzlePostgres(sql);
        expect(await roundTrip(sql, db)).toEqual(ALL_MIGRATIONS);
        expect((await runMigrations(db)).applied).toEqual([]);
      } finally {
        await sql.end();
        await admin.unsafe(`DROP DATABASE ${name}`);
        await admin.end();
      }
    },
    120_000,
  );

  it('refuses anything else with a coded error naming the argument', async () => {
    await expect(runMigrations({} as DatabaseClient)).rejects.toMatchObject({ code: 'INVITES_INVALID_INPUT', field: 'client' });
  });

  it('a missing migrations folder is a coded error naming it, not a raw ENOENT', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'veza-nomig-'));
    rmSync(dir, { recursive: true });
    await expect(runMigrations({} as DatabaseClient, dir)).rejects.toMatchObject({
      code: 'INVITES_MIGRATIONS_MISSING',
      message: expect.stringContaining(dir),
    });
  });
});
