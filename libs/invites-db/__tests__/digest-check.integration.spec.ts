/**
 * beta_invites_code_digest_check as 999_digest_check.sql writes it: the same
 * rule as 990's `code_digest ~ '^[0-9a-f]{64}$'` (64 lowercase hex digits,
 * so a plaintext code can never be stored), without the bounded repeat that
 * made PostgreSQL's regex engine build 65 states for every row inserted.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { defaultMigrationsDir, digestCode, generateCode, readMigrationFiles, runMigrations } from '../src/index.js';
import { openTestDatabase, testBackends } from '../src/testing.js';
import type { Connection } from '../src/index.js';
import { rows } from './query-rows.js';

const HEX = '0123456789abcdef';
/** What upgrading a database of the version before 999 applies: 999 and the files after it. */
const FROM_999 = readMigrationFiles()
  .map((f) => f.name)
  .filter((name) => Number(/^\d+/.exec(name)?.[0]) >= 999);
/** Strings on both sides of the rule: lengths around 64, every kind of character that is not a lowercase hex digit. */
const candidates = [
  digestCode(generateCode()),
  HEX.repeat(4),
  '0'.repeat(64),
  'f'.repeat(64),
  HEX.repeat(4).toUpperCase(), // upper case: not what digestCode writes
  `${HEX.repeat(4).slice(0, 63)}A`,
  HEX.repeat(4).slice(0, 63), // 63
  `${HEX.repeat(4)}0`, // 65
  '',
  generateCode(), // a plaintext code, 16 characters
  'a'.repeat(16).padEnd(64, 'g'),
  `${HEX.repeat(4).slice(0, 62)}é`, // 64 bytes, 63 characters
  `${HEX.repeat(4).slice(0, 63)}é`, // 65 bytes, 64 characters
  `${HEX.repeat(4).slice(0, 63)}\n`,
  `\n${HEX.repeat(4).slice(0, 63)}`,
  `${HEX.repeat(4).slice(0, 63)} `,
  `${HEX.repeat(4).slice(0, 63)}-`,
  `${HEX.repeat(4).slice(0, 63)}０`, // a full-width zero
];

async function accepts(conn: Connection, digest: string, i: number): Promise<boolean> {
  try {
    await conn.db.transaction((tx) =>
      tx.execute(sql`INSERT INTO beta_invites (code_digest, email, cohort) VALUES (${digest}, ${`check${i}@example.org`}, 'check')`),
    );
    return true;
  } catch (error) {
    const cause = error as { code?: string; cause?: { code?: string }; message?: string };
    const code = cause.code ?? cause.cause?.code;
    if (code === '23514' || /violates check constraint "beta_invites_code_digest_check"/.test(String(cause.message))) return false;
    throw error;
  }
}

describe.each(testBackends())('the code_digest check on $name', (backend) => {
  let conn: Connection;
  let upgraded: Connection;
  let before: string;
  beforeAll(async () => {
    conn = await openTestDatabase(backend);
    // a database migrated by the previous version (every file before 999), with an invite in it, then upgraded
    before = mkdtempSync(join(tmpdir(), 'veza-digest-check-'));
    for (const file of readMigrationFiles().filter((f) => Number(/^\d+/.exec(f.name)?.[0]) < 999))
      copyFileSync(join(defaultMigrationsDir(), file.name), join(before, file.name));
    upgraded = await openTestDatabase(backend, { migrate: false });
    await runMigrations(upgraded, before);
    await upgraded.db.execute(
      sql`INSERT INTO beta_invites (code_digest, email, cohort) VALUES (${digestCode(generateCode())}, 'kept@example.org', 'old')`,
    );
  }, 120_000);
  afterAll(async () => {
    await conn?.close();
    await upgraded?.close();
    rmSync(before, { recursive: true, force: true });
  });

  const definition = async (c: Connection) =>
    (
      await rows<{ def: string }>(
        c,
        sql`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'beta_invites_code_digest_check' AND conrelid = 'beta_invites'::regclass`,
      )
    ).map((r) => r.def);

  it('is written without a bounded repeat', async () => {
    const [def] = await definition(conn);
    expect(def).toContain('octet_length(code_digest) = 64');
    expect(def).not.toContain('{64}');
  });

  it("accepts exactly what 990's regular expression accepted", async () => {
    const verdicts: { digest: string; old: boolean; now: boolean }[] = [];
    for (const [i, digest] of candidates.entries()) {
      const [old] = await rows<{ ok: boolean }>(conn, sql`SELECT ${digest}::text ~ '^[0-9a-f]{64}$' AS ok`);
      verdicts.push({ digest, old: old!.ok, now: await accepts(conn, digest, i) });
    }
    expect(verdicts.filter((v) => v.old).length).toBe(4);
    expect(verdicts.filter((v) => v.old !== v.now)).toEqual([]);
  });

  it('replaces the check of a database migrated before, keeping its rows', async () => {
    expect((await definition(upgraded))[0]).toContain('{64}');
    expect((await runMigrations(upgraded)).applied).toEqual(FROM_999);
    const [def] = await definition(upgraded);
    expect(def).toContain('octet_length(code_digest) = 64');
    expect(await rows(upgraded, sql`SELECT email FROM beta_invites`)).toEqual([{ email: 'kept@example.org' }]);
    expect(await accepts(upgraded, 'A'.repeat(64), 1)).toBe(false);
  });

  it('leaves a beta_invites whose check was dropped without one (999 adds no rule a table never had)', async () => {
    const other = await openTestDatabase(backend, { migrate: false });
    try {
      await runMigrations(other, before);
      await other.db.execute(sql`ALTER TABLE beta_invites DROP CONSTRAINT beta_invites_code_digest_check`);
      expect((await runMigrations(other)).applied).toEqual(FROM_999);
      expect(await definition(other)).toEqual([]);
    } finally {
      await other.close();
    }
  });
});
